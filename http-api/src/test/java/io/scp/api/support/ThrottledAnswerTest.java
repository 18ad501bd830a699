package io.scp.api.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.Test;

/** Every 429 says when to come back ({@code Retry-After}), as the contract asks. */
class ThrottledAnswerTest {
  static String retryAfter(HttpResponse response) {
    return response.getHeader("Retry-After").map(HttpHeader::value).orElse(null);
  }

  @Test
  void aThrottledAnswerWithoutItsOwnEstimateGetsTheDefault() {
    // a full CPM mailbox is refused this way, through the refusal's error code
    var full = new ApiError(429, "THROTTLED", "the mailbox of carol is full");
    assertThat(retryAfter(ApiDirectives.error(full, WireFormat.JSON, List.of())))
        .isEqualTo(Long.toString(ApiDirectives.THROTTLED_RETRY_AFTER_SECONDS));
  }

  @Test
  void anOwnEstimateIsKeptAndOtherErrorsGetNone() {
    var throttled = new ApiError(429, "THROTTLED", "over the SLA");
    var own =
        ApiDirectives.error(
            throttled, WireFormat.JSON, List.of(RawHeader.create("Retry-After", "2")));
    assertThat(retryAfter(own)).isEqualTo("2");
    assertThat(own.getHeaders()).filteredOn(h -> h.is("retry-after")).hasSize(1);
    var conflict = new ApiError(409, "IDEMPOTENCY_CONFLICT", "other content");
    assertThat(retryAfter(ApiDirectives.error(conflict, WireFormat.JSON, List.of()))).isNull();
  }
}
