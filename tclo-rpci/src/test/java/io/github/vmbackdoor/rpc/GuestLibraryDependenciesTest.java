package io.github.vmbackdoor.rpc;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a guest agent that embeds backdoor-core and tclo-rpci pays: no Guava at all, and Jackson
 * only for traces, failing with one clear line when it is absent.
 */
class GuestLibraryDependenciesTest {

  static Path location(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  /** Every class file of a classes directory or jar, by name, as Latin-1 text to search. */
  static Map<String, String> classFiles(Path classes) throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    if (Files.isDirectory(classes)) {
      try (Stream<Path> all = Files.walk(classes)) {
        for (Path p : all.filter(q -> q.toString().endsWith(".class")).toList()) {
          files.put(
              classes.relativize(p).toString().replace(File.separatorChar, '/'),
              new String(Files.readAllBytes(p), ISO_8859_1));
        }
      }
    } else {
      try (JarFile jar = new JarFile(classes.toFile())) {
        for (var e : jar.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
          try (InputStream in = jar.getInputStream(e)) {
            files.put(e.getName(), new String(in.readAllBytes(), ISO_8859_1));
          }
        }
      }
    }
    return files;
  }

  static Map<String, String> guestClasses() throws Exception {
    Map<String, String> all = new LinkedHashMap<>(classFiles(location(Backdoor.class)));
    all.putAll(classFiles(location(RpciClient.class)));
    return all;
  }

  @Test
  void noGuestClassRefersToGuava() throws Exception {
    Map<String, String> classes = guestClasses();
    assertThat(classes).containsKey("io/github/vmbackdoor/rpc/RpciClient.class");
    assertThat(classes).allSatisfy((name, text) -> assertThat(text).doesNotContain("com/google/"));
  }

  @Test
  void onlyTheTraceClassesReferToJackson() throws Exception {
    assertThat(guestClasses().entrySet())
        .filteredOn(e -> e.getValue().contains("com/fasterxml/jackson"))
        .extracting(e -> fileName(e.getKey()))
        .containsExactlyInAnyOrder(
            "TraceJson.class", "TraceJson$Holder.class", "TraceReader.class", "TraceWriter.class");
  }

  @Test
  void withoutJacksonTheGuestCodeRunsAndTracesFailInOneLine() throws Exception {
    URL[] urls = {
      location(Backdoor.class).toUri().toURL(), location(RpciClient.class).toUri().toURL()
    };
    try (URLClassLoader bare = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
      Class<?> reply = bare.loadClass(RpciReply.class.getName());
      Object parsed =
          reply.getMethod("parse", byte[].class).invoke(null, "1 pong".getBytes(ISO_8859_1));
      assertThat(reply.getMethod("text").invoke(parsed)).isEqualTo("pong");

      Class<?> reader = bare.loadClass("io.github.vmbackdoor.core.TraceReader");
      Throwable thrown = null;
      try {
        reader
            .getMethod("open", InputStream.class)
            .invoke(null, new ByteArrayInputStream(new byte[0]));
      } catch (InvocationTargetException e) {
        thrown = e.getCause();
      }
      assertThat(thrown).isInstanceOf(IllegalStateException.class);
      assertThat(thrown.getMessage())
          .startsWith("traces need com.fasterxml.jackson.core:jackson-core on the class path")
          .doesNotContain("\n");
    }
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
