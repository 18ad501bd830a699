package io.scp.actors.vacp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scp.actors.testing.EntityTestConfig;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Notices with typed fields through the project's CBOR serialization, and notices of before. */
class NoticeSerializationTest {
  static final ActorTestKit testKit = ActorTestKit.create(EntityTestConfig.config());

  /**
   * An {@code Interworking.SettingActivated} as the node wrote it before fields were typed (every
   * value a string: {@code "onlyWhenImsRegistered":"false"}, {@code "maxPerHour":"10"}):
   * jackson-cbor bytes, produced by that code.
   */
  static final String LEGACY_SETTING_ACTIVATED =
      "v2dzZXR0aW5nv2Ztc2lzZG5tODYxMzkwMDAwMDAwMXJjb25zdW1lclBsYXRmb3JtSWRkcGYtYWxjYXBhYmlsaXR5SWRl"
          + "Y2FwLWJycHJvdmlkZXJQbGF0Zm9ybUlkZHBmLWJnc2VydmljZWVzdmMtYmRtb2RlZFBVU0hqY29uZGl0aW9uc79q"
          + "cXVpZXRIb3Vyc79kZnJvbWUyMjowMGJ0b2UwNzowMP91b25seVdoZW5JbXNSZWdpc3RlcmVk9GptYXhQZXJIb3Vy"
          + "Cv//YmF0dDIwMzAtMDYtMDFUMTI6MDA6MDBaZm5vdGljZb9obm90aWNlSWR4LWludGVyd29ya2luZy1zZXR1cDo4"
          + "NjEzOTAwMDAwMDAxL3BmLWEvY2FwLWI6MWpwbGF0Zm9ybUlkZHBmLWFpb3BlcmF0aW9ucmludGVyd29ya2luZy1z"
          + "ZXR1cGZmaWVsZHO/bmludGVyd29ya2luZ0lkeBg4NjEzOTAwMDAwMDAxL3BmLWEvY2FwLWJmbXNpc2RubTg2MTM5"
          + "MDAwMDAwMDFyY29uc3VtZXJQbGF0Zm9ybUlkZHBmLWFsY2FwYWJpbGl0eUlkZWNhcC1icnByb3ZpZGVyUGxhdGZv"
          + "cm1JZGRwZi1iZ3NlcnZpY2Vlc3ZjLWJkbW9kZWRQVVNIbnF1aWV0SG91cnNGcm9tZTIyOjAwbHF1aWV0SG91cnNU"
          + "b2UwNzowMHVvbmx5V2hlbkltc1JlZ2lzdGVyZWRlZmFsc2VqbWF4UGVySG91cmIxMGZzdGF0dXNmQUNUSVZF////";

  static final Interworking.Setting SETTING =
      new Interworking.Setting(
          "8613900000001",
          "pf-a",
          "cap-b",
          "pf-b",
          "svc-b",
          Interworking.Mode.PUSH,
          new Interworking.ReceiveConditions(
              Optional.of(new Interworking.QuietHours("22:00", "07:00")), false, Optional.of(10)));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static Serialization serialization() {
    return SerializationExtension.get(testKit.system());
  }

  @SuppressWarnings("unchecked")
  static <T> T roundTrip(T value) {
    var serializer = serialization().findSerializerFor(value);
    assertThat(serializer.getClass().getSimpleName()).isEqualTo("JacksonCborSerializer");
    byte[] bytes = serialization().serialize(value).get();
    return (T)
        serialization()
            .deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, value))
            .get();
  }

  @Test
  void typedFieldsRoundTripWithTheirTypes() {
    var notice =
        new Notice(
            "interworking-cancelled:s-1:pf-a",
            "pf-a",
            "interworking-cancelled",
            PlatformFields.builder()
                .text("reason", "CANCELLED")
                .number("settled", 40)
                .number("large", 5_000_000_000L)
                .bool("onlyWhenImsRegistered", false)
                .text("looksLikeANumber", "40")
                .build());

    Notice back = roundTrip(notice);

    assertThat(back).isEqualTo(notice);
    assertThat(back.fields().values())
        .containsExactly(
            Map.entry("reason", "CANCELLED"),
            Map.entry("settled", 40L),
            Map.entry("large", 5_000_000_000L),
            Map.entry("onlyWhenImsRegistered", false),
            Map.entry("looksLikeANumber", "40"));
    assertThat(back.fields().values().get("settled")).isInstanceOf(Long.class);
    assertThat(back.fields().values().get("onlyWhenImsRegistered")).isInstanceOf(Boolean.class);
    assertThat(back.fields().values().get("looksLikeANumber")).isInstanceOf(String.class);
  }

  @Test
  void anEventCarryingANoticeRoundTrips() {
    var event =
        new Interworking.SettingActivated(
            SETTING,
            Instant.parse("2030-06-01T12:00:00Z"),
            new Notice(
                "interworking-setup:" + SETTING.id() + ":1",
                "pf-a",
                "interworking-setup",
                Interworking.fields(SETTING).text("status", "ACTIVE").build()));

    var back = roundTrip(event);

    assertThat(back).isEqualTo(event);
    assertThat(back.notice().fields().values())
        .containsEntry("onlyWhenImsRegistered", false)
        .containsEntry("maxPerHour", 10L)
        .containsEntry("mode", "PUSH");
  }

  @Test
  void aNoticePersistedBeforeFieldsWereTypedStillReadsWithItsText() throws Exception {
    byte[] bytes = Base64.getDecoder().decode(LEGACY_SETTING_ACTIVATED);
    int cbor = serialization().serializerFor(Interworking.SettingActivated.class).identifier();

    var event =
        (Interworking.SettingActivated)
            serialization()
                .deserialize(bytes, cbor, Interworking.SettingActivated.class.getName())
                .get();

    assertThat(event.setting()).isEqualTo(SETTING);
    Map<String, Object> fields = event.notice().fields().values();
    assertThat(fields)
        .containsEntry("onlyWhenImsRegistered", "false")
        .containsEntry("maxPerHour", "10")
        .containsEntry("status", "ACTIVE");
    assertThat(fields.keySet())
        .as("in the order they were written")
        .startsWith("interworkingId", "msisdn")
        .endsWith("maxPerHour", "status");
    assertThat(event.notice().fields().texts())
        .as("sent as it was: text")
        .isEqualTo(Interworking.fields(SETTING).text("status", "ACTIVE").build().texts());
    assertThat(roundTrip(event)).isEqualTo(event);
  }

  @Test
  void onlyTextsWholeNumbersAndYesNosAreFields() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("n", 7);
    values.put("s", (short) 3);
    values.put("b", true);
    assertThat(PlatformFields.of(values).values())
        .containsExactly(Map.entry("n", 7L), Map.entry("s", 3L), Map.entry("b", true));
    assertThat(PlatformFields.of(values))
        .isEqualTo(PlatformFields.builder().number("n", 7).number("s", 3).bool("b", true).build());
    assertThatThrownBy(() -> PlatformFields.of(Map.of("x", 1.5)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PlatformFields.of(Map.of("x", Instant.EPOCH)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(PlatformFields.builder().number("n", -12).bool("b", false).build().texts())
        .containsExactly(Map.entry("n", "-12"), Map.entry("b", "false"));
  }
}
