package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.report.TimelinePicture;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/** Writes the timeline pictures the commands were asked for ({@code --html}, {@code --svg}). */
final class PictureFiles {

  private PictureFiles() {}

  /**
   * Writes {@code picture} as HTML to {@code html} and as SVG to {@code svg} (each when not null),
   * saying so on {@code out}; returns the exit code (a failure, said in one line on {@code err},
   * when a file cannot be written).
   */
  static int write(
      PrintWriter out,
      PrintWriter err,
      String command,
      TimelinePicture picture,
      Path html,
      Path svg) {
    int code = write(out, err, command, html, picture::html);
    return code != 0 ? code : write(out, err, command, svg, picture::svg);
  }

  /** Writes {@code pictures} as one HTML page to {@code html} when it is not null. */
  static int write(
      PrintWriter out, PrintWriter err, String command, List<TimelinePicture> pictures, Path html) {
    return write(out, err, command, html, () -> TimelinePicture.html(pictures));
  }

  private static int write(
      PrintWriter out, PrintWriter err, String command, Path file, Supplier<String> text) {
    if (file == null) {
      return 0;
    }
    try {
      Files.writeString(file, text.get(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      err.println(
          "vmbackdoor "
              + command
              + ": cannot write "
              + file
              + ": "
              + (e instanceof NoSuchFileException ? "no such directory" : e.getMessage()));
      err.flush();
      return Main.EXIT_FAILURE;
    }
    out.println("wrote " + file);
    out.flush();
    return 0;
  }
}
