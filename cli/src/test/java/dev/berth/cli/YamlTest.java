package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** The YAML emitter: block layout, and strings quoted exactly when a YAML reader would take them for something else. */
class YamlTest {
    private static String yaml(String json) {
        return Yaml.write(JsonParser.parseString(json));
    }

    @Test
    void nestedMapsAndListsAreBlocksWithListItemsAtTheKeysColumn() {
        assertThat(yaml("""
                {"items": [{"id": "abc", "metadata": {"name": "web", "attempt": 1}, "labels": {}},
                           {"id": "def", "tags": ["a", "b"], "nested": [[1, 2], []]}],
                 "empty": [], "none": null, "ok": true}
                """)).isEqualTo("""
                items:
                - id: abc
                  metadata:
                    name: web
                    attempt: 1
                  labels: {}
                - id: def
                  tags:
                  - a
                  - b
                  nested:
                  - - 1
                    - 2
                  - []
                empty: []
                none: null
                ok: true
                """);
    }

    @Test
    void stringsThatReadAsSomethingElseAreQuoted() {
        assertThat(yaml("""
                {"colon": "a: b", "hash": "a #b", "leading": "  x", "trailing": "x ", "yes": "yes", "No": "No",
                 "on": "on", "null": "null", "tilde": "~", "num": "42", "float": "3.10", "neg": "-1", "exp": "1e3",
                 "hex": "0x1f", "inf": ".inf", "empty": "", "star": "*ref", "dash": "- x", "quote": "say \\"hi\\"",
                 "tab": "a\\tb", "bell": "\\u0007", "url": "http://h:5000/x#y", "digest": "sha256:abc", "path": "/var/log",
                 "key: with colon": "v", "end:": "w", "merge": "<<", "unicode": "café",
                 "image": "127.0.0.1:5000/busybox:1", "quantity": "10Mi", "ip": "10.0.0.1", "date": "2001-12-14t21:59:43Z"}
                """)).isEqualTo("""
                colon: "a: b"
                hash: "a #b"
                leading: "  x"
                trailing: "x "
                "yes": "yes"
                "No": "No"
                "on": "on"
                "null": "null"
                tilde: "~"
                num: "42"
                float: "3.10"
                neg: "-1"
                exp: "1e3"
                hex: "0x1f"
                inf: ".inf"
                empty: ""
                star: "*ref"
                dash: "- x"
                quote: say "hi"
                tab: "a\\tb"
                bell: "\\u0007"
                url: http://h:5000/x#y
                digest: sha256:abc
                path: /var/log
                "key: with colon": v
                "end:": w
                merge: "<<"
                unicode: café
                image: 127.0.0.1:5000/busybox:1
                quantity: 10Mi
                ip: "10.0.0.1"
                date: "2001-12-14t21:59:43Z"
                """);
    }

    @Test
    void numbersAndBooleansStayUnquoted() {
        assertThat(yaml("{\"count\": 42, \"f\": 1.5, \"b\": false}")).isEqualTo("count: 42\nf: 1.5\nb: false\n");
    }

    @Test
    void multiLineStringsAreLiteralBlocksWithTheRightChomping() {
        assertThat(yaml("{\"strip\": \"a\\nb\", \"clip\": \"a\\n\\nb\\n\", \"keep\": \"a\\n\\n\", \"list\": [\"x\\ny\"]}"))
                .isEqualTo("""
                        strip: |-
                          a
                          b
                        clip: |
                          a

                          b
                        keep: |+
                          a

                        list:
                        - |-
                          x
                          y
                        """);
    }

    @Test
    void multiLineStringsWhoseEdgesABlockWouldLoseAreQuoted() {
        assertThat(yaml("{\"indented\": \" a\\nb\", \"crlf\": \"a\\r\\nb\", \"newlines\": \"\\n\\n\"}")).isEqualTo("""
                indented: " a\\nb"
                crlf: "a\\r\\nb"
                newlines: "\\n\\n"
                """);
    }

    @Test
    void topLevelScalarsAndEmptyCollections() {
        assertThat(yaml("{}")).isEqualTo("{}\n");
        assertThat(yaml("[]")).isEqualTo("[]\n");
        assertThat(yaml("\"true\"")).isEqualTo("\"true\"\n");
        assertThat(yaml("[\"a\", {\"k\": [\"v\"]}]")).isEqualTo("- a\n- k:\n  - v\n");
    }
}
