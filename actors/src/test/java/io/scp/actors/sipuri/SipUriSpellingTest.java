package io.scp.actors.sipuri;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SipUriSpellingTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "sip:alice@example.com|sip:alice@example.com",
        "sip:alice@EXAMPLE.com|sip:alice@example.com", // the host has no case
        "sip:%61lice@example.com|sip:alice@example.com", // an escaped unreserved character
        "sip:Alice@Example.COM|sip:Alice@example.com", // the user part keeps its case
        "sip:a%3ab@x.com|sip:a%3Ab@x.com", // a reserved escape stays, hex in upper case
        "sip:+8613800000001@IMS.example.com;user=phone|sip:+8613800000001@ims.example.com;user=phone",
        "sips:bob@X.com:5061;transport=TLS?Subject=Hi|sips:bob@x.com:5061;transport=TLS?Subject=Hi",
        "sip:EXAMPLE.com|sip:example.com", // no user part
        "sip:{n}@IMS.Example.com|sip:{n}@ims.example.com", // a range template keeps {n}
        "sip:a%zz@x.com|sip:a%zz@x.com", // not an escape: left alone
      })
  void oneSpellingPerIdentity(String given, String canonical) {
    assertThat(SipUriSpelling.canonical(given)).isEqualTo(canonical);
  }
}
