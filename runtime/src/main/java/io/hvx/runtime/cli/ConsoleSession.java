package io.hvx.runtime.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;

/**
 * A VM's serial console on this terminal: guest output to {@code out}, {@code in} to the guest. Ctrl-] then q
 * detaches. Piped input waits for the guest's first shell prompt, so that commands are not typed into the boot.
 */
final class ConsoleSession implements WebSocket.Listener {
  /** How a session ended. */
  enum End {
    /** The node closed the console: the VM ended. */
    VM_ENDED,
    /** The user typed the escape sequence. */
    DETACHED
  }

  /** A shell prompt at the end of the output: "# " or "$ ", maybe followed by terminal queries (ESC [ 6 n). */
  private static final Pattern PROMPT = Pattern.compile("[#$] (\\e\\[[0-9;?]*[A-Za-z])*$");

  private final OutputStream out;
  private final boolean waitForPrompt;
  private final CompletableFuture<End> ended = new CompletableFuture<>();
  private final CountDownLatch prompted = new CountDownLatch(1);
  private final StringBuilder recent = new StringBuilder();

  private ConsoleSession(OutputStream out, boolean waitForPrompt) {
    this.out = out;
    this.waitForPrompt = waitForPrompt;
    if (!waitForPrompt) {
      prompted.countDown();
    }
  }

  /** Attaches to {@code path} (a console WebSocket) until the VM ends or the user detaches. */
  static End attach(NodeClient client, String path, InputStream in, OutputStream out, boolean terminal) {
    ConsoleSession session = new ConsoleSession(out, !terminal);
    WebSocket socket = client.webSocket(path, session);
    Thread input = Thread.ofPlatform().daemon().name("console-input").start(() -> session.pump(socket, in, terminal));
    try {
      return session.ended.join();
    } finally {
      input.interrupt();
      socket.abort();
    }
  }

  private void pump(WebSocket socket, InputStream in, boolean terminal) {
    byte[] buffer = new byte[4096];
    EscapeFilter escape = new EscapeFilter();
    try {
      prompted.await();
      int n;
      while ((n = in.read(buffer)) > 0) {
        byte[] send = terminal ? escape.filter(buffer, n) : Arrays.copyOf(buffer, n);
        if (send.length > 0) {
          // waiting for each send is the backpressure: the node takes the next message once the UART took this one
          socket.sendBinary(ByteBuffer.wrap(send), true).join();
        }
        if (escape.detached()) {
          ended.complete(End.DETACHED);
          return;
        }
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      // stdin closed or the socket went away: the output side decides when the session ends
    }
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
    byte[] bytes = new byte[data.remaining()];
    data.get(bytes);
    write(bytes);
    socket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
    write(data.toString().getBytes(StandardCharsets.UTF_8));
    socket.request(1);
    return null;
  }

  private void write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      ended.complete(End.DETACHED);
    }
    if (waitForPrompt && prompted.getCount() > 0) {
      // keep the end of the output: a prompt may be split across chunks
      recent.append(new String(bytes, StandardCharsets.ISO_8859_1));
      if (recent.length() > 256) {
        recent.delete(0, recent.length() - 256);
      }
      if (PROMPT.matcher(recent).find()) {
        prompted.countDown();
      }
    }
  }

  @Override
  public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
    ended.complete(End.VM_ENDED);
    return null;
  }

  @Override
  public void onError(WebSocket socket, Throwable error) {
    ended.complete(End.VM_ENDED);
  }
}
