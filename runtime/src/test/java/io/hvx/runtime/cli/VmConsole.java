package io.hvx.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.devices.guestkit.GuestKit;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The shell on a disk-kit VM's serial console, reached through its node's console WebSocket. */
final class VmConsole implements AutoCloseable {
  private final String vm;
  private final WebSocket socket;
  private final VmProcessesTest.Viewer viewer = new VmProcessesTest.Viewer();
  private int asked = 1000;

  private VmConsole(HttpClient http, String url, String token, String vmId, String vm) {
    this.vm = vm;
    this.socket = http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
        .buildAsync(URI.create(url.replaceFirst("^http", "ws") + "/hvx/vms/" + vmId + "/console"), viewer).join();
  }

  /** Attaches to the console of VM {@code vmId} (called {@code vm} in failures) on the node at {@code url}. */
  static VmConsole open(HttpClient http, String url, String token, String vmId, String vm) {
    return new VmConsole(http, url, token, vmId, vm);
  }

  /** Waits for the disk kit's banner naming {@code hostname} and then its shell prompt. */
  void awaitShell(String hostname, Duration limit) throws InterruptedException {
    viewer.await(Pattern.compile(Pattern.quote(GuestKit.DISK_BANNER + ": " + hostname + ", Linux ")), 0, limit);
    viewer.await(Pattern.compile(Pattern.quote(GuestKit.DISK_PROMPT)), 0, Duration.ofMinutes(2));
  }

  /** Types one line without waiting for anything. */
  void type(String line) {
    socket.sendText(line + "\n", true).join();
  }

  /**
   * Runs {@code command} in the guest's shell and returns what it printed (without carriage returns), and
   * fails unless it exits 0. Markers computed by the shell ($((...))) frame the output, so the echo of the
   * typed line never matches.
   */
  String run(String command, Duration limit) throws InterruptedException {
    Answer answer = ask(command, limit);
    assertEquals(0, answer.exitCode(), () -> vm + ": '" + command + "' failed:\n" + answer.output());
    return answer.output();
  }

  /** Runs {@code command} in the guest's shell: its exit status and what it printed. */
  Answer ask(String command, Duration limit) throws InterruptedException {
    int id = ++asked;
    int from = viewer.length();
    type("echo BEGIN-$((" + id + ")); " + command + "; echo END-$((" + id + "))-$?");
    Matcher m = viewer.await(Pattern.compile("\nBEGIN-" + id + "\r?\n(.*?)END-" + id + "-(\\d+)\r?\n", Pattern.DOTALL),
        from, limit);
    return new Answer(Integer.parseInt(m.group(2)), m.group(1).replace("\r", ""));
  }

  /** A command's exit status and output. */
  record Answer(int exitCode, String output) {}

  @Override
  public void close() {
    socket.abort();
  }
}
