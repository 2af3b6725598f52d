package io.hvx.runtime.cli;

/** How a command prints its answer. */
enum OutputFormat {
  table,
  json
}
