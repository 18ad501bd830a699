package io.scp.actors.cpm;

import io.scp.actors.common.CborSerializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The control-plane decision for each medium a session asks for: which transport carries it and
 * whether it is accepted. Text goes over MSRP, files (and images) over HTTP file transfer, audio
 * and video over RTP. A medium the SCP does not know is refused, the others still go ahead. A type
 * may be given as a word ({@code audio}) or a MIME type ({@code audio/AMR}); its top-level part
 * decides.
 */
public final class MediaSelection {
  public static final String DEFAULT_MEDIUM = "text";

  public enum Transport {
    MSRP,
    HTTP,
    RTP
  }

  public record MediaDecision(String type, Optional<Transport> transport, boolean accepted)
      implements CborSerializable {}

  private MediaSelection() {}

  /** One decision per distinct requested type, in request order; nothing requested means text. */
  public static List<MediaDecision> decide(List<String> requested) {
    var types = new LinkedHashSet<>(requested.isEmpty() ? List.of(DEFAULT_MEDIUM) : requested);
    List<MediaDecision> decisions = new ArrayList<>();
    for (String type : types) {
      Optional<Transport> transport = transportOf(type);
      decisions.add(new MediaDecision(type, transport, transport.isPresent()));
    }
    return List.copyOf(decisions);
  }

  static Optional<Transport> transportOf(String type) {
    String lower = type.toLowerCase(Locale.ROOT);
    int slash = lower.indexOf('/');
    String major = slash >= 0 ? lower.substring(0, slash) : lower;
    return switch (major) {
      case "text", "message", "chat" -> Optional.of(Transport.MSRP);
      case "file", "image", "application" -> Optional.of(Transport.HTTP);
      case "audio", "video" -> Optional.of(Transport.RTP);
      default -> Optional.empty();
    };
  }
}
