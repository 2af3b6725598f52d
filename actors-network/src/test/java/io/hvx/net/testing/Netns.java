package io.hvx.net.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs iproute2 and tools inside network namespaces that a test creates and deletes. */
public final class Netns implements AutoCloseable {
  /** The output and exit status of one command. */
  public record Result(int exitCode, String output) {
    public boolean ok() {
      return exitCode == 0;
    }
  }

  private final List<String> namespaces = new ArrayList<>();

  /** Why namespace tests cannot run here, or null when they can. */
  public static String unavailableReason(String... tools) {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "needs root to create network namespaces and TAP devices (running as "
          + System.getProperty("user.name") + ")";
    }
    if (!Files.isReadable(Path.of("/dev/net/tun")) || !Files.isWritable(Path.of("/dev/net/tun"))) {
      return "needs read/write access to /dev/net/tun";
    }
    for (String tool : tools) {
      if (which(tool) == null) {
        return "needs '" + tool + "' on PATH (Debian package "
            + switch (tool) {
              case "ip" -> "iproute2";
              case "ping" -> "iputils-ping";
              default -> tool;
            } + ")";
      }
    }
    return null;
  }

  static String which(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      for (String candidate : new String[] {dir, "/usr/sbin", "/sbin"}) {
        Path path = Path.of(candidate, tool);
        if (Files.isExecutable(path)) {
          return path.toString();
        }
      }
    }
    return null;
  }

  public String add(String name) {
    must("ip", "netns", "add", name);
    namespaces.add(name);
    return name;
  }

  public Result run(long timeoutSeconds, String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  public Process start(String... command) {
    try {
      return new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + String.join(" ", command), e);
    }
  }

  public String must(String... command) {
    Result result = run(20, command);
    if (!result.ok()) {
      throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exitCode() + "): "
          + result.output());
    }
    return result.output();
  }

  /** Moves {@code device} into {@code namespace}, gives it {@code cidr} and brings it up; no routes out. */
  public void configure(String namespace, String device, String cidr) {
    must("ip", "link", "set", device, "netns", namespace);
    must("ip", "-n", namespace, "link", "set", "lo", "up");
    // IPv6 autoconfiguration would only add noise (router solicitations) to the overlay.
    run(10, "ip", "netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
    must("ip", "-n", namespace, "addr", "add", cidr, "dev", device);
    must("ip", "-n", namespace, "link", "set", device, "up");
  }

  /** Moves {@code device} into {@code namespace} and brings it up without an address (for DHCP). */
  public void attachUnconfigured(String namespace, String device) {
    must("ip", "link", "set", device, "netns", namespace);
    must("ip", "-n", namespace, "link", "set", "lo", "up");
    run(10, "ip", "netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
    must("ip", "-n", namespace, "link", "set", device, "up");
  }

  /**
   * Runs busybox udhcpc once on {@code device} in {@code namespace}, sending {@code hostname}; the
   * script applies the address and default route. Returns the address leased, or fails.
   */
  public String dhcp(String namespace, String device, String hostname) {
    Path script = udhcpcScript();
    try {
      Result result = run(30, "ip", "netns", "exec", namespace, "busybox", "udhcpc", "-f", "-q", "-n", "-t", "5",
          "-T", "1", "-i", device, "-s", script.toString(), "-x", "hostname:" + hostname);
      java.util.regex.Matcher leased = java.util.regex.Pattern.compile("LEASED (\\S+)").matcher(result.output());
      if (!result.ok() || !leased.find()) {
        throw new IllegalStateException("udhcpc in " + namespace + " got no lease (" + result.exitCode() + "): "
            + result.output());
      }
      return leased.group(1);
    } finally {
      try {
        Files.deleteIfExists(script);
      } catch (IOException e) {
        // A temporary file left behind is harmless.
      }
    }
  }

  /**
   * Writes a udhcpc script that applies the address and default route it is given and prints
   * {@code LEASED <address> ...}; the caller deletes it.
   */
  public static Path udhcpcScript() {
    try {
      Path script = Files.createTempFile("hvx-udhcpc", ".sh");
      Files.writeString(script, """
          #!/bin/sh
          case "$1" in
            bound|renew)
              ip addr flush dev "$interface"
              ip addr add "$ip/$mask" dev "$interface"
              [ -n "$router" ] && ip route replace default via "$router" dev "$interface"
              echo "LEASED $ip ROUTER $router DNS $dns DOMAIN $domain"
              ;;
          esac
          """);
      script.toFile().setExecutable(true);
      return script;
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the udhcpc script", e);
    }
  }

  /** Runs {@code command} inside {@code namespace}. */
  public Result exec(String namespace, long timeoutSeconds, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    return run(timeoutSeconds, full.toArray(String[]::new));
  }

  @Override
  public void close() {
    for (String namespace : namespaces) {
      run(20, "ip", "netns", "del", namespace);
    }
    namespaces.clear();
  }
}
