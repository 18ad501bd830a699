package io.scp.api.platform;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * An answer's body, read up to a number of bytes: a longer one completes with {@code null} and the
 * rest is not read. Needed beside the {@code Content-Length} check because a chunked answer
 * announces no length — without it a platform could stream the node out of memory.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
  private final long maxBytes;
  private final CompletableFuture<byte[]> body = new CompletableFuture<>();
  private final ByteArrayOutputStream read = new ByteArrayOutputStream();
  private Flow.Subscription subscription;

  BoundedBody(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return body;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    if (body.isDone()) return;
    for (ByteBuffer buffer : buffers) {
      if (read.size() + (long) buffer.remaining() > maxBytes) {
        subscription.cancel();
        body.complete(null);
        return;
      }
      byte[] chunk = new byte[buffer.remaining()];
      buffer.get(chunk);
      read.writeBytes(chunk);
    }
  }

  @Override
  public void onError(Throwable failure) {
    body.completeExceptionally(failure);
  }

  @Override
  public void onComplete() {
    body.complete(read.toByteArray());
  }
}
