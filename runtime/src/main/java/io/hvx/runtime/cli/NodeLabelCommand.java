package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.http.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hvx node label ID k=v...}: replaces a node's labels. */
@Command(name = "label", mixinStandardHelpOptions = true,
    description = "Replace a node's labels (published to the cluster; kept across restarts).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stored", "1:refused by the node", "2:bad flags", "3:no node answered", "4:the token was refused"})
final class NodeLabelCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", paramLabel = "ID", description = "Node id.")
  String id;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "NAME=VALUE", description = "Labels; none clears them.")
  Map<String, String> labels = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    JsonNode answer = connection.client()
        .put("/hvx/nodes/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "/labels", Map.of("labels", labels));
    spec.commandLine().getOut().println(Json.MAPPER.writeValueAsString(answer));
    return ExitCodes.OK;
  }
}
