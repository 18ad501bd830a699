package io.scp.api.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How {@code Accept} chooses the answer's encoding, against the request's own. */
class WireFormatTest {
  @ParameterizedTest(name = "Accept \"{0}\" after a {1} request: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "|PROTOBUF|PROTOBUF",
        "|JSON|JSON",
        "application/json|PROTOBUF|JSON",
        "application/x-protobuf|JSON|PROTOBUF",
        "application/protobuf|JSON|PROTOBUF",
        "*/*|PROTOBUF|PROTOBUF",
        "application/*|JSON|JSON",
        "application/x-protobuf;q=0, application/json|JSON|JSON",
        "application/x-protobuf;q=0.1, application/json|PROTOBUF|JSON",
        "application/json;q=0.2, application/x-protobuf;q=0.9|JSON|PROTOBUF",
        "application/json;q=0.5, */*;q=0.9|JSON|PROTOBUF",
        "application/x-protobuf;q=0.5, application/json;q=0.5|PROTOBUF|PROTOBUF",
        "application/x-protobuf;q=0|PROTOBUF|JSON",
        "application/json;q=0|JSON|PROTOBUF",
        "application/json;q=0, */*;q=0|JSON|JSON",
        "text/html|PROTOBUF|PROTOBUF",
        "application/json;q=nonsense|PROTOBUF|JSON",
      })
  void acceptWeighsTheEncodings(String accept, WireFormat request, WireFormat expected) {
    HttpRequest r = HttpRequest.create("/v1/calls");
    if (accept != null) r = r.addHeader(RawHeader.create("Accept", accept));
    assertThat(WireFormat.forResponse(r, request)).isEqualTo(expected);
  }
}
