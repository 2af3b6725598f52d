package io.hvx.runtime.cli;

import io.hvx.runtime.HvxVersion;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code hvx version}: the version of this hvx and the JVM it runs on. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the hvx version.")
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().printf("hvx %s (Java %s)%n", HvxVersion.get(), Runtime.version());
    return ExitCodes.OK;
  }
}
