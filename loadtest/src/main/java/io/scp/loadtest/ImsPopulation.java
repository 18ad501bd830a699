package io.scp.loadtest;

import java.util.ArrayList;
import java.util.List;

/**
 * The IMS subscribers of a run, numbered deterministically from the run id: every subscriber (IMSI,
 * MSISDN, MCC 460, MNC 01) has signed up for VoLTE (SIC 001) and RCS (SIC 002), so it has two IMPIs
 * with a SIC, one per service, as on one device with a dialler and a messaging app (docs/ims.md).
 */
public record ImsPopulation(String runId, int subscribers) {
  public static final String MCC = "460";
  public static final String MNC = "01";

  /** A service every subscriber signed up for, and the SIP port its client registers from. */
  public record Service(String sic, String name, int port) {}

  public static final List<Service> SERVICES =
      List.of(new Service("001", "VoLTE", 5060), new Service("002", "RCS", 5070));

  public record Subscriber(String imsi, String msisdn) {}

  /** One registrable identity: a subscriber's IMPI for one service and its client's contact. */
  public record Identity(String imsi, String sic, String impi, String contact) {}

  public ImsPopulation {
    if (subscribers < 1 || subscribers > 100_000)
      throw new IllegalArgumentException("IMS subscribers must be 1-100000");
  }

  public List<Subscriber> members() {
    long block = Math.floorMod(runId.hashCode(), 90_000) * 100_000L;
    List<Subscriber> out = new ArrayList<>(subscribers);
    for (int i = 0; i < subscribers; i++) {
      out.add(
          new Subscriber(
              Long.toString(460_010_000_000_000L + block + i),
              Long.toString(8_617_000_000_000L + block + i)));
    }
    return out;
  }

  public List<Identity> identities() {
    List<Identity> out = new ArrayList<>(subscribers * SERVICES.size());
    int i = 0;
    for (Subscriber s : members()) {
      String host = "10." + ((i >> 16) & 255) + "." + ((i >> 8) & 255) + "." + (i & 255);
      for (Service service : SERVICES) {
        String impi =
            s.imsi()
                + "@ims.sic"
                + service.sic()
                + ".mnc0"
                + MNC
                + ".mcc"
                + MCC
                + ".3gppnetwork.org";
        out.add(
            new Identity(
                s.imsi(),
                service.sic(),
                impi,
                "sip:" + s.imsi() + "@" + host + ":" + service.port()));
      }
      i++;
    }
    return out;
  }
}
