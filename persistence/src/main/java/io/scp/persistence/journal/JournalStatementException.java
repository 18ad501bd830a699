package io.scp.persistence.journal;

import java.sql.SQLException;

/**
 * A statement PostgreSQL refused; every entity whose events or question were in it is told its
 * write or recovery failed.
 */
final class JournalStatementException extends RuntimeException {
  JournalStatementException(String what, SQLException cause) {
    super("journal " + what + " failed: " + cause.getMessage(), cause);
  }
}
