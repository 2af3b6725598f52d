package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.http.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hvx node show ID}: one node's live facts, answered by that node itself. */
@Command(name = "show", mixinStandardHelpOptions = true,
    description = "Show one node, as reported by that node (the request travels through the cluster).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:shown", "1:no such node, or it did not answer", "2:bad flags", "3:no node answered at the URL",
        "4:the token was refused"})
final class NodeShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "ID", description = "Node id (from 'hvx node list') or cluster address.")
  String id;

  @Override
  public Integer call() throws Exception {
    JsonNode answer = connection.client().get("/hvx/nodes/" + URLEncoder.encode(id, StandardCharsets.UTF_8));
    spec.commandLine().getOut().println(Json.MAPPER.writeValueAsString(answer));
    return ExitCodes.OK;
  }
}
