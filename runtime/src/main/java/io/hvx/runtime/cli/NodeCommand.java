package io.hvx.runtime.cli;

import picocli.CommandLine.Command;

/** {@code hvx node}: start nodes and look at the cluster they form. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Start nodes and inspect the cluster.",
    subcommands = {NodeStartCommand.class, NodeListCommand.class, NodeShowCommand.class, NodeLabelCommand.class})
final class NodeCommand {}
