package io.hvx.net.tap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Runs iproute2's {@code ip} for the control plane; every failure is a {@link TapException} naming the command. */
final class IpCommand {
  private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

  private IpCommand() {}

  static void run(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add("ip");
    command.addAll(List.of(arguments));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new TapException(String.join(" ", command) + " did not finish within 10 s");
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (process.exitValue() != 0) {
        throw new TapException(String.join(" ", command) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new TapException("cannot run iproute2's 'ip' (install iproute2): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TapException("interrupted while running " + String.join(" ", command), e);
    }
  }

  /**
   * Gives interface {@code device} (in this namespace) the MAC {@code mac}, or when it is empty reads the
   * MAC the kernel chose; returns the MAC in effect.
   */
  static String mac(String device, String mac) {
    if (mac != null && !mac.isEmpty()) {
      if (!MAC.matcher(mac).matches()) {
        throw new TapException("bad MAC '" + mac + "' for " + device);
      }
      run("link", "set", "dev", device, "address", mac);
      return mac;
    }
    try {
      return Files.readString(Path.of("/sys/class/net", device, "address"), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new TapException("cannot read the MAC of " + device + ": " + e.getMessage(), e);
    }
  }
}
