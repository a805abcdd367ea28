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
}
