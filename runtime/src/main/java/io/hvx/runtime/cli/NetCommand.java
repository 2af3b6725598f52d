package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.http.Json;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hvx net ...}: logical networks (cluster-wide) and this node's attachments to them. */
@Command(name = "net", mixinStandardHelpOptions = true,
    description = "Define logical networks (subnets, DHCP, DNS) and attach TAP interfaces or namespaces to them.",
    subcommands = {NetCommand.Create.class, NetCommand.ListNetworks.class, NetCommand.Show.class,
        NetCommand.Delete.class, NetCommand.Subnet.class, NetCommand.Reserve.class, NetCommand.Record.class,
        NetCommand.Attach.class, NetCommand.Detach.class, NetCommand.Ports.class, NetCommand.Counters.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:refused by the node (the message says why)", "2:bad flags", "3:no node answered",
        "4:the token was refused"})
final class NetCommand {
  static String path(String network) {
    return "/hvx/networks/" + segment(network);
  }

  private static String segment(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /** Refuses the flags or arguments given ({@code name, value} pairs) that {@code flag} cannot go with. */
  private static void requireNone(String flag, String... namesAndValues) {
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (namesAndValues[i + 1] != null) {
        throw new CliException(ExitCodes.USAGE, flag + " takes no " + namesAndValues[i]);
      }
    }
  }

  /** An addition needs its ADDRESS; a removal (--delete) takes neither it nor the options (name, value pairs). */
  private static void addressUnlessDelete(boolean delete, String address, String usage, String... namesAndValues) {
    if (delete) {
      requireNone("--delete", "ADDRESS", address);
      requireNone("--delete", namesAndValues);
    } else if (address == null) {
      throw new CliException(ExitCodes.USAGE, "ADDRESS is missing: " + usage + " (or --delete to remove)");
    }
  }

  /** Base of every subcommand: the connection flags and printing of the node's JSON answer. */
  abstract static class NetSubcommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection;

    abstract JsonNode run(NodeClient client);

    /** Refuses flag combinations the subcommand cannot take, before any node is asked. */
    void checkFlags() {
    }

    @Override
    public Integer call() throws Exception {
      checkFlags();
      JsonNode answer = run(connection.client());
      print(answer, spec.commandLine().getOut());
      return ExitCodes.OK;
    }

    /** Prints the node's answer; JSON unless the subcommand has a table for it. */
    void print(JsonNode answer, PrintWriter out) throws Exception {
      out.println(Json.MAPPER.writeValueAsString(answer));
    }
  }

  /** A subcommand that prints a table, or the node's JSON with {@code -o json}. */
  abstract static class TableSubcommand extends NetSubcommand {
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    abstract void table(JsonNode answer, PrintWriter out);

    @Override
    void print(JsonNode answer, PrintWriter out) throws Exception {
      if (output == OutputFormat.json) {
        super.print(answer, out);
      } else {
        table(answer, out);
      }
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a logical network.")
  static final class Create extends NetSubcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--id", description = "Network id, the GRE key (default: derived from the name).") Integer id;
    @Option(names = "--domain", description = "DNS domain (default: NAME.hvx).") String domain;

    @Override
    JsonNode run(NodeClient client) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      if (id != null) {
        body.put("id", id);
      }
      if (domain != null) {
        body.put("domain", domain);
      }
      return client.post("/hvx/networks", body);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the networks and DHCP leases.")
  static final class ListNetworks extends TableSubcommand {
    @Override
    JsonNode run(NodeClient client) {
      return client.get("/hvx/networks");
    }

    @Override
    void table(JsonNode answer, PrintWriter out) {
      NetTables.networks(answer.path("networks"), out);
      out.println();
      NetTables.leases(answer.path("networks"), answer.path("leases"), out);
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one network and its leases.")
  static final class Show extends TableSubcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    JsonNode run(NodeClient client) {
      return client.get(path(name));
    }

    @Override
    void table(JsonNode answer, PrintWriter out) {
      NetTables.network(answer.path("network"), out);
      out.println();
      NetTables.leases(Json.MAPPER.createArrayNode().add(answer.path("network")), answer.path("leases"), out);
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a network.")
  static final class Delete extends NetSubcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    JsonNode run(NodeClient client) {
      return client.delete(path(name));
    }
  }

  @Command(name = "subnet", mixinStandardHelpOptions = true,
      description = "Add a subnet to a network, or remove one with --delete.")
  static final class Subnet extends NetSubcommand {
    @Parameters(index = "0", paramLabel = "NETWORK") String network;
    @Parameters(index = "1", paramLabel = "CIDR", description = "e.g. 10.0.1.0/24") String cidr;
    @Option(names = "--gateway", description = "Router address (default: the first host).") String gateway;
    @Option(names = "--dhcp", paramLabel = "FIRST-LAST", description = "DHCP range, e.g. 10.0.1.100-10.0.1.199.")
    String dhcp;
    @Option(names = "--delete", description = "Remove the subnet (refused while reservations lie in it; leases in it"
        + " end at their next renewal).")
    boolean delete;

    @Override
    void checkFlags() {
      if (delete) {
        requireNone("--delete", "--gateway", gateway, "--dhcp", dhcp);
      }
      if (dhcp != null && dhcp.split("-", 2).length != 2) {
        throw new CliException(ExitCodes.USAGE, "--dhcp takes FIRST-LAST, e.g. 10.0.1.100-10.0.1.199");
      }
    }

    @Override
    JsonNode run(NodeClient client) {
      if (delete) {
        // Two segments (address, prefix length): a slash in one segment would need encoding the node must undo.
        int slash = cidr.indexOf('/');
        String segments = slash < 0 ? segment(cidr)
            : segment(cidr.substring(0, slash)) + "/" + segment(cidr.substring(slash + 1));
        return client.delete(path(network) + "/subnets/" + segments);
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("cidr", cidr);
      if (gateway != null) {
        body.put("gateway", gateway);
      }
      if (dhcp != null) {
        String[] ends = dhcp.split("-", 2);
        body.put("dhcpFirst", ends[0].trim());
        body.put("dhcpLast", ends[1].trim());
      }
      return client.post(path(network) + "/subnets", body);
    }
  }

  @Command(name = "reserve", mixinStandardHelpOptions = true,
      description = "Reserve a DHCP address for a MAC, or remove the reservation with --delete.")
  static final class Reserve extends NetSubcommand {
    @Parameters(index = "0", paramLabel = "NETWORK") String network;
    @Parameters(index = "1", paramLabel = "MAC") String mac;
    @Parameters(index = "2", paramLabel = "ADDRESS", arity = "0..1", description = "Not with --delete.") String address;
    @Option(names = "--hostname", description = "DNS name of the host.") String hostname;
    @Option(names = "--delete", description = "Remove the MAC's reservation (the host keeps its address until its"
        + " lease lapses).")
    boolean delete;

    @Override
    void checkFlags() {
      addressUnlessDelete(delete, address, "hvx net reserve NETWORK MAC ADDRESS", "--hostname", hostname);
    }

    @Override
    JsonNode run(NodeClient client) {
      if (delete) {
        return client.delete(path(network) + "/reservations/" + segment(mac));
      }
      Map<String, Object> body = new LinkedHashMap<>(Map.of("mac", mac, "address", address));
      if (hostname != null) {
        body.put("hostname", hostname);
      }
      return client.post(path(network) + "/reservations", body);
    }
  }

  @Command(name = "record", mixinStandardHelpOptions = true,
      description = "Add or replace a DNS A record, or remove one with --delete.")
  static final class Record extends NetSubcommand {
    @Parameters(index = "0", paramLabel = "NETWORK") String network;
    @Parameters(index = "1", paramLabel = "NAME") String name;
    @Parameters(index = "2", paramLabel = "ADDRESS", arity = "0..1", description = "Not with --delete.") String address;
    @Option(names = "--delete", description = "Remove the record.") boolean delete;

    @Override
    void checkFlags() {
      addressUnlessDelete(delete, address, "hvx net record NETWORK NAME ADDRESS");
    }

    @Override
    JsonNode run(NodeClient client) {
      if (delete) {
        return client.delete(path(network) + "/records/" + segment(name));
      }
      return client.post(path(network) + "/records", Map.of("name", name, "address", address));
    }
  }

  @Command(name = "attach", mixinStandardHelpOptions = true,
      description = "Create a TAP interface on the node as a port of NETWORK, optionally moved into a namespace.")
  static final class Attach extends NetSubcommand {
    @Parameters(index = "0", paramLabel = "NETWORK") String network;
    @Option(names = "--tap", required = true, paramLabel = "NAME", description = "TAP interface name (1-15 characters).")
    String tap;
    @Option(names = "--netns", paramLabel = "NS", description = "Existing network namespace to move the TAP into.")
    String netns;
    @Option(names = "--address", paramLabel = "CIDR", description = "Static address inside the namespace.")
    String address;
    @Option(names = "--gateway", paramLabel = "IP", description = "Default route inside the namespace.")
    String gateway;

    @Override
    JsonNode run(NodeClient client) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("interface", tap);
      if (netns != null) {
        body.put("namespace", netns);
      }
      if (address != null) {
        body.put("address", address);
      }
      if (gateway != null) {
        body.put("gateway", gateway);
      }
      return client.post(path(network) + "/attachments", body);
    }
  }

  @Command(name = "detach", mixinStandardHelpOptions = true, description = "Detach and delete a TAP interface.")
  static final class Detach extends NetSubcommand {
    @Parameters(index = "0", paramLabel = "NETWORK") String network;
    @Parameters(index = "1", paramLabel = "TAP") String tap;

    @Override
    JsonNode run(NodeClient client) {
      return client.delete(path(network) + "/attachments/" + segment(tap));
    }
  }

  @Command(name = "ports", mixinStandardHelpOptions = true, description = "This node's attachments and tunnels.")
  static final class Ports extends NetSubcommand {
    @Override
    JsonNode run(NodeClient client) {
      return client.get("/hvx/network/ports");
    }
  }

  @Command(name = "counters", mixinStandardHelpOptions = true, description = "This node's hSwitch counters.")
  static final class Counters extends NetSubcommand {
    @Override
    JsonNode run(NodeClient client) {
      return client.get("/hvx/network/counters");
    }
  }
}
