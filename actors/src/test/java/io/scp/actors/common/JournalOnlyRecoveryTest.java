package io.scp.actors.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.junit.jupiter.api.Test;

/**
 * Every entity that recovers from the journal alone never snapshots: an entity declaring both would
 * have its snapshots ignored, and the events they replace (once deleted) lost on recovery.
 */
class JournalOnlyRecoveryTest {

  @Test
  void noEntityRecoveringFromTheJournalAloneTakesSnapshots() throws Exception {
    List<Class<?>> journalOnly = new ArrayList<>();
    for (Class<?> entity : entities()) {
      if (declares(entity, "recovery")) {
        journalOnly.add(entity);
        assertThat(declares(entity, "retentionCriteria"))
            .as(entity.getSimpleName() + " recovers without snapshots but takes them")
            .isFalse();
      }
    }
    assertThat(journalOnly).extracting(Class::getSimpleName).contains("VpnCall", "CpmMessage");
  }

  private static boolean declares(Class<?> type, String method) {
    for (Method m : type.getDeclaredMethods()) {
      if (m.getName().equals(method) && m.getParameterCount() == 0) return true;
    }
    return false;
  }

  /** The event-sourced entities compiled into this module. */
  private static List<Class<?>> entities()
      throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes =
        Path.of(
            JournalOnlyRecovery.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> entities = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = classes.relativize(file).toString().replace(".class", "").replace('/', '.');
        Class<?> type = Class.forName(name, false, JournalOnlyRecovery.class.getClassLoader());
        if (EventSourcedBehavior.class.isAssignableFrom(type)) entities.add(type);
      }
    }
    return entities;
  }
}
