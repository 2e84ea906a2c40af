package io.github.treelora.examples.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Charts and tree diagrams on hand-made inputs. */
class PicturesTest {
    private static final double NAN = Double.NaN;

    @TempDir
    Path dir;

    /** The most frequent strongly coloured pixel: a one-cell heatmap is mostly its cell. */
    private static Color dominantColour(BufferedImage img) {
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                Color c = new Color(img.getRGB(x, y));
                int spread = Math.max(c.getRed(), Math.max(c.getGreen(), c.getBlue()))
                        - Math.min(c.getRed(), Math.min(c.getGreen(), c.getBlue()));
                if (spread > 60) {
                    counts.merge(img.getRGB(x, y), 1, Integer::sum);
                }
            }
        }
        return new Color(counts.entrySet().stream().max(java.util.Map.Entry.comparingByValue()).orElseThrow().getKey());
    }

    @Test
    void heatmapColoursFollowTheValue() throws IOException {
        BufferedImage high = ImageIO.read(Charts.accuracyHeatmap(new double[][] {{1.0}}, "high",
                dir.resolve("high.png")).toFile());
        BufferedImage low = ImageIO.read(Charts.accuracyHeatmap(new double[][] {{0.0}}, "low",
                dir.resolve("low.png")).toFile());
        assertEquals(Charts.WIDTH, high.getWidth());
        assertEquals(Charts.HEIGHT, high.getHeight());
        Color h = dominantColour(high);
        Color l = dominantColour(low);
        // 100 % is drawn green (the top of the red-yellow-green scale), 0 % red.
        assertTrue(h.getGreen() > h.getRed(), "100 % cell " + h);
        assertTrue(l.getRed() > l.getGreen(), "0 % cell " + l);
    }

    @Test
    void curvesAndHeatmapAreWrittenForATriangularMatrix() throws IOException {
        double[][] r = {{0.9, 0.5, 0.3}, {NAN, 0.8, 0.6}, {NAN, NAN, 0.7}};
        for (Path p : new Path[] {Charts.accuracyCurves(r, "c", dir.resolve("sub/c.png")),
                Charts.accuracyHeatmap(r, "h", dir.resolve("sub/h.png"))}) {
            byte[] bytes = Files.readAllBytes(p);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4), p.toString());
        }
    }

    @Test
    void badMatricesAreRejectedNamingTheEntry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Charts.accuracyHeatmap(new double[][] {{0.5, 0.2}}, "x", dir.resolve("x.png")));
        assertTrue(e.getMessage().contains("row 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Charts.accuracyCurves(new double[][] {{0.5, 1.5}, {NAN, 0.4}}, "x", dir.resolve("x.png")));
        assertTrue(e.getMessage().contains("R[0][1]"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("x.png")));
    }

    @Test
    void dotHasOneNodePerTreeNodeAndTwoEdgesPerInnerNode() throws IOException {
        JsonNode tree = new ObjectMapper().readTree("""
                {"depth":0,"tasks":[0,1,2],"threshold":0.25,
                 "left":{"depth":1,"tasks":[0],"leaf":true},
                 "right":{"depth":1,"tasks":[1,2],"threshold":1.5,
                   "left":{"depth":2,"tasks":[1],"leaf":true},"right":{"depth":2,"tasks":[2],"leaf":true}}}""");
        String dot = TreeDiagram.dot(tree);
        assertTrue(dot.startsWith("digraph"), dot);
        assertEquals(5, count(dot, "\\bn\\d+ \\[shape="));
        assertEquals(3, count(dot, "shape=box"));
        assertEquals(4, count(dot, "->"));
        assertTrue(dot.contains("tasks 0, 1, 2\\nlayer 0, threshold 0.2500"), dot);
        assertTrue(dot.contains("n2 -> n3 [label=\"left\"]"), dot);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TreeDiagram.dot(new ObjectMapper().readTree("{\"depth\":0,\"tasks\":[0,1],\"threshold\":1}")));
        assertTrue(e.getMessage().contains("root"), e.getMessage());
    }

    @Test
    void dotRendersToPngWhenGraphvizIsInstalled() throws IOException {
        String dot = "digraph g { a -> b; }\n";
        var png = TreeDiagram.renderPng(dot, dir.resolve("g.png"));
        assertEquals(TreeDiagram.dotAvailable(), png.isPresent());
        if (png.isPresent()) {
            BufferedImage img = ImageIO.read(png.get().toFile());
            assertTrue(img.getWidth() > 10 && img.getHeight() > 10);
        }
    }

    private static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
