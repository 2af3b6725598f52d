package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.http.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hvx node list}: every member of the cluster with its attributes. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the nodes of the cluster.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:listed", "2:bad flags", "3:no node answered at the URL", "4:the token was refused"})
final class NodeListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  @Override
  public Integer call() throws Exception {
    JsonNode answer = connection.client().get("/hvx/nodes");
    PrintWriter out = spec.commandLine().getOut();
    if (output == OutputFormat.json) {
      out.println(Json.MAPPER.writeValueAsString(answer.path("nodes")));
      return ExitCodes.OK;
    }
    String format = "%-20s %-8s %-9s %-10s %-12s %-8s %-24s %4s %9s %9s  %s%n";
    out.printf(format, "ID", "STATUS", "REACHABLE", "CLOUD", "REGION", "ZONE", "ADDRESS", "CPUS", "MEMORY",
        "FREE DISK", "VERSION");
    for (JsonNode node : answer.path("nodes")) {
      JsonNode attributes = node.path("attributes");
      String address = node.path("address").asText().replaceFirst("^pekko://[^@]*@", "");
      out.printf(format, node.path("id").asText(), node.path("status").asText(),
          node.path("reachable").asBoolean() ? "yes" : "NO", text(attributes, "cloud"), text(attributes, "region"),
          text(attributes, "zone"), address, text(attributes, "cpus"), bytes(attributes.path("memoryBytes")),
          bytes(attributes.path("freeDiskBytes")), text(attributes, "version"));
    }
    return ExitCodes.OK;
  }

  private static String text(JsonNode node, String field) {
    return node.has(field) ? node.path(field).asText() : "-";
  }

  static String bytes(JsonNode value) {
    if (!value.isNumber() || value.asLong() < 0) {
      return "-";
    }
    double size = value.asLong();
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int unit = 0;
    while (size >= 1024 && unit < units.length - 1) {
      size /= 1024;
      unit++;
    }
    return String.format(java.util.Locale.ROOT, unit == 0 ? "%.0f%s" : "%.1f%s", size, units[unit]);
  }
}
