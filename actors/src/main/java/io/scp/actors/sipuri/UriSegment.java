package io.scp.actors.sipuri;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import java.util.List;

/**
 * URIs added to a pool by one provisioning request, in position order. A range is kept as its
 * template and bounds, not as strings, so a pool of 100 000 range-provisioned URIs costs a few
 * bytes.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
@JsonSubTypes({
  @JsonSubTypes.Type(value = UriSegment.Range.class, name = "range"),
  @JsonSubTypes.Type(value = UriSegment.Listed.class, name = "list")
})
public sealed interface UriSegment extends CborSerializable {
  String PLACEHOLDER = "{n}";

  int size();

  String uri(int offset);

  /**
   * {@code count} URIs from {@code template}, {@code {n}} replaced by {@code from + offset} written
   * with at least {@code width} digits (zero-padded; 0 means no padding).
   */
  record Range(String template, long from, int width, int count) implements UriSegment {
    @Override
    public int size() {
      return count;
    }

    @Override
    public String uri(int offset) {
      String n = Long.toString(from + offset);
      if (n.length() < width) n = "0".repeat(width - n.length()) + n;
      return template.replace(PLACEHOLDER, n);
    }
  }

  record Listed(List<String> uris) implements UriSegment {
    @Override
    public int size() {
      return uris.size();
    }

    @Override
    public String uri(int offset) {
      return uris.get(offset);
    }
  }
}
