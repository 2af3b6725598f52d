package io.hvx.runtime.cli;

import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.guestkit.GuestKitCommand;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hvx guest-kit}, plus {@code --disk --push NAME}: stores the disk kit's root image through the node. */
@Command(name = "guest-kit", mixinStandardHelpOptions = true,
    description = {"Build the Debian test guest (see hvx guest-kit --disk); with --disk --push NAME, also store"
        + " its root disk as image NAME through the node, for hvx vm create --image NAME."},
    exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:the kit is ready (and pushed)",
        "1:it could not be built or pushed", "3:no node answered", "4:the token was refused"})
final class GuestKitPushCommand extends GuestKitCommand {
  @Option(names = "--push", paramLabel = "NAME", description = "with --disk: store the root disk as image NAME")
  String push;

  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    if (push != null && !disk()) {
      throw new CliException(ExitCodes.USAGE, "--push stores the disk variant: add --disk");
    }
    return super.call();
  }

  @Override
  protected int afterDisk(GuestKit.DiskKit kit) {
    if (push == null) {
      return 0;
    }
    PrintWriter out = spec().commandLine().getOut();
    try {
      ImageStoreCommand.Push.push(connection.client(), out, kit.disk(), push, "raw", false, false);
    } catch (CliException e) {
      throw e;
    } catch (Exception e) {
      throw new CliException(ExitCodes.FAILED, "pushing the disk kit as '" + push + "': " + e.getMessage());
    }
    out.flush();
    return 0;
  }
}
