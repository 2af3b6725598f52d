package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hvx volume ...}: a node's logical volumes, through its HTTP endpoint. */
@Command(name = "volume", mixinStandardHelpOptions = true,
    description = "Logical volumes: directories, files, block devices and object-store buckets combined by"
        + " concatenation or striping, kept across node restarts and served over NBD by name.",
    subcommands = {VolumeCommand.Create.class, VolumeCommand.ListVolumes.class, VolumeCommand.Show.class,
        VolumeCommand.Remove.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:refused by the node (the message says why)", "2:bad flags", "3:no node answered",
        "4:the token was refused"})
final class VolumeCommand {
  static String path(String volume) {
    return "/hvx/volumes/" + URLEncoder.encode(volume, StandardCharsets.UTF_8);
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a volume on the node.")
  static final class Create extends NetCommand.NetSubcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--layout", defaultValue = "concat", paramLabel = "concat|stripe",
        description = "concat: capacities add; stripe: stripe units rotate over the members (default: concat).")
    String layout;
    @Option(names = "--stripe-unit", paramLabel = "SIZE", description = "Stripe unit, a power of two (default 64KiB).")
    String stripeUnit;
    @Option(names = {"-m", "--member"}, required = true, paramLabel = "MEMBER",
        description = "file:PATH:SIZE (created sparse when missing), dev:PATH (existing device or file) or"
            + " bucket:PREFIX:SIZE (objects in the store's backend); repeat for each member, in order.")
    List<String> members;

    @Override
    JsonNode run(NodeClient client) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("layout", layout);
      if (stripeUnit != null) {
        body.put("stripeUnit", stripeUnit);
      }
      body.put("members", members);
      return client.post("/hvx/volumes", body);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the node's volumes.")
  static final class ListVolumes extends NetCommand.NetSubcommand {
    @Override
    JsonNode run(NodeClient client) {
      return client.get("/hvx/volumes");
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one volume.")
  static final class Show extends NetCommand.NetSubcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    JsonNode run(NodeClient client) {
      return client.get(path(name));
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true,
      description = "Forget a volume created at run time; its members' data is left in place.")
  static final class Remove extends NetCommand.NetSubcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    JsonNode run(NodeClient client) {
      return client.delete(path(name));
    }
  }
}
