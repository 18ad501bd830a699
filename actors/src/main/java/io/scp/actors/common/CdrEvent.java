package io.scp.actors.common;

/** An event that carries a charging record for the CDR read model. */
public interface CdrEvent {
  /** The journal tag of every event that carries a CDR. */
  String TAG = "cdr";

  Cdr chargingRecord();
}
