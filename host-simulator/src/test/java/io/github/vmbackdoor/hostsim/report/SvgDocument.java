package io.github.vmbackdoor.hostsim.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** An SVG parsed with the JDK's XML parser, and the look-ups the picture's tests need. */
final class SvgDocument {

  private final Element root;

  private SvgDocument(Element root) {
    this.root = root;
  }

  /** Parses {@code svg}; fails the test when it is not well-formed XML or not SVG. */
  static SvgDocument parse(String svg) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      Element root =
          f.newDocumentBuilder()
              .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)))
              .getDocumentElement();
      assertThat(root.getLocalName()).isEqualTo("svg");
      assertThat(root.getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
      return new SvgDocument(root);
    } catch (Exception e) {
      throw new AssertionError("not well-formed SVG: " + e.getMessage(), e);
    }
  }

  Element root() {
    return root;
  }

  /** The elements under {@code scope} named {@code tag} whose class list holds every class. */
  static List<Element> find(Element scope, String tag, String... classes) {
    List<Element> found = new ArrayList<>();
    NodeList all = scope.getElementsByTagNameNS("*", tag);
    for (int i = 0; i < all.getLength(); i++) {
      Element e = (Element) all.item(i);
      List<String> have = Arrays.asList(e.getAttribute("class").split(" "));
      if (have.containsAll(Arrays.asList(classes))) {
        found.add(e);
      }
    }
    return found;
  }

  /** The one element under {@code scope} named {@code tag} with the classes. */
  static Element one(Element scope, String tag, String... classes) {
    List<Element> found = find(scope, tag, classes);
    assertThat(found).as(tag + " " + String.join(".", classes)).hasSize(1);
    return found.get(0);
  }

  /** The lane of {@code machine}. */
  Element lane(String machine) {
    return find(root, "g", "lane").stream()
        .filter(l -> l.getAttribute("data-machine").equals(machine))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no lane " + machine));
  }

  /** The text of the element's {@code <title>} child. */
  static String title(Element e) {
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if ("title".equals(n.getLocalName())) {
        return n.getTextContent();
      }
    }
    throw new AssertionError("no title on " + e.getAttribute("class"));
  }

  /** The numeric attribute {@code name} of {@code e}. */
  static double number(Element e, String name) {
    return Double.parseDouble(e.getAttribute(name));
  }

  /**
   * The stretch of the run the lanes draw, in milliseconds: the zoom frame's when the picture is
   * zoomed, else zero to {@code runMillis}.
   */
  long[] drawn(long runMillis) {
    List<Element> zoom = find(root, "g", "zoom");
    if (zoom.isEmpty()) {
      return new long[] {0, runMillis};
    }
    Element z = zoom.get(0);
    return new long[] {
      Long.parseLong(z.getAttribute("data-from-ms")), Long.parseLong(z.getAttribute("data-to-ms"))
    };
  }

  /**
   * The box of a text element as laid out: from its x, anchor, font size and weight, and the text's
   * estimated width; {x1, y1, x2, y2}.
   */
  static double[] box(Element text) {
    double size = text.hasAttribute("font-size") ? number(text, "font-size") : 11;
    boolean bold = "bold".equals(text.getAttribute("font-weight"));
    double width = Format.width(text.getTextContent(), size, bold);
    double x = number(text, "x");
    String anchor = text.getAttribute("text-anchor");
    double left = anchor.equals("end") ? x - width : anchor.equals("middle") ? x - width / 2 : x;
    double y = number(text, "y");
    return new double[] {left, y - 0.8 * size, left + width, y + 0.25 * size};
  }

  /** Whether two boxes {x1, y1, x2, y2} share any area. */
  static boolean overlap(double[] a, double[] b) {
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  }
}
