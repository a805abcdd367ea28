package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.net.HostAndPort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs each {@code curl} example of docs/admin-api.md, in order, against a real {@code serve} with
 * the admin API, and checks the reply shown after it. The curl command lines are read here (method,
 * body, URL) and sent with the JDK's HTTP client, so the test needs no curl.
 */
class AdminDocExamplesTest {

  private static final Pattern EXAMPLE =
      Pattern.compile("```sh\n(curl [^`]*?)```\n\n```json\n([^`]*?)```", Pattern.DOTALL);
  private static final String DOC_ADMIN = "127.0.0.1:8081";
  private static final ObjectMapper JSON = new ObjectMapper();

  record Example(String command, String reply) {}

  static List<Example> examples() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "admin-api.md"));
    List<Example> examples = new ArrayList<>();
    Matcher m = EXAMPLE.matcher(doc);
    while (m.find()) {
      examples.add(new Example(m.group(1).strip(), m.group(2).strip()));
    }
    return examples;
  }

  @Test
  void everyDocumentedExampleAnswersAsShown() throws Exception {
    List<Example> examples = examples();
    assertThat(examples).hasSizeGreaterThanOrEqualTo(15);
    HttpClient http = HttpClient.newHttpClient();
    try (RunningServe serve = new RunningServe("--vm", "vm1", "--seed", "7", "--admin-port", "0")) {
      HostAndPort admin = serve.admin();
      for (Example e : examples) {
        HttpRequest request =
            curl(
                e.command()
                    .replace(DOC_ADMIN, admin.toString())
                    .replace("$TOKEN", serve.adminToken()));
        HttpResponse<String> response =
            http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        JsonNode expected = JSON.readTree(e.reply());
        JsonNode actual = JSON.readTree(response.body());
        boolean error = expected.isObject() && expected.has("error");
        assertThat(response.statusCode() >= 400)
            .as("%s answered %s %s", e.command(), response.statusCode(), response.body())
            .isEqualTo(error);
        assertThat(matches(expected, actual))
            .as("%s answered %s, the doc shows %s", e.command(), response.body(), e.reply())
            .isTrue();
      }
    }
  }

  /**
   * Reads a curl command line: -s, -X METHOD, -H 'NAME: VALUE', -d/--data/--data-binary BODY, URL.
   * As curl does, a body without a Content-Type header goes as a form.
   */
  static HttpRequest curl(String command) {
    List<String> words = shellWords(command);
    assertThat(words.get(0)).isEqualTo("curl");
    String method = null;
    String body = null;
    String url = null;
    List<String> headers = new ArrayList<>();
    for (int i = 1; i < words.size(); i++) {
      String w = words.get(i);
      switch (w) {
        case "-s" -> {}
        case "-X" -> method = words.get(++i);
        case "-H" -> headers.add(words.get(++i));
        case "-d", "--data", "--data-binary" -> body = words.get(++i);
        default -> {
          assertThat(w).as("a curl option this test knows").startsWith("http://");
          url = w;
        }
      }
    }
    if (method == null) {
      method = body == null ? "GET" : "POST";
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    boolean typed = false;
    for (String h : headers) {
      int colon = h.indexOf(':');
      assertThat(colon).as("a header NAME: VALUE, not %s", h).isPositive();
      String name = h.substring(0, colon).strip();
      typed |= name.equalsIgnoreCase("Content-Type");
      request.header(name, h.substring(colon + 1).strip());
    }
    if (body != null && !typed) {
      request.header("Content-Type", "application/x-www-form-urlencoded");
    }
    return request
        .method(
            method,
            body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /** Splits a command line into words: blanks separate, single and double quotes group. */
  static List<String> shellWords(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        word = word == null ? new StringBuilder() : word;
      } else if (Character.isWhitespace(c)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else {
        word = word == null ? new StringBuilder() : word;
        word.append(c);
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }

  /** Whether {@code actual} is {@code expected}, where the string "..." stands for any value. */
  static boolean matches(JsonNode expected, JsonNode actual) {
    if (expected.isTextual() && expected.asText().equals("...")) {
      return actual != null;
    }
    if (expected.isObject()) {
      if (actual == null || !actual.isObject() || actual.size() != expected.size()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (!matches(f.getValue(), actual.get(f.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (expected.isArray()) {
      if (actual == null || !actual.isArray() || actual.size() != expected.size()) {
        return false;
      }
      for (int i = 0; i < expected.size(); i++) {
        if (!matches(expected.get(i), actual.get(i))) {
          return false;
        }
      }
      return true;
    }
    return expected.equals(actual);
  }
}
