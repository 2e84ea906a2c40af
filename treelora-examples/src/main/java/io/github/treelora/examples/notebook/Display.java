package io.github.treelora.examples.notebook;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Shows a PNG file as a cell output. In the project's Jupyter kernel ({@link NotebookKernel}) the call publishes
 * an {@code image/png} output at that place among the cell's text; the returned image is what other Java kernels
 * (IJava, JJava) render when the call is a cell's last expression.
 */
public final class Display {
    private Display() {}

    /**
     * Displays a PNG file.
     *
     * @param png the file
     * @return the decoded image
     * @throws IOException if the file does not exist or is not a readable image (the message names the file)
     */
    public static BufferedImage png(Path png) throws IOException {
        if (!Files.isRegularFile(png)) {
            throw new IOException("cannot display " + png.toAbsolutePath() + ": no such file");
        }
        BufferedImage image = ImageIO.read(png.toFile());
        if (image == null) {
            throw new IOException("cannot display " + png.toAbsolutePath() + ": not a PNG image");
        }
        NotebookKernel kernel = NotebookKernel.current();
        if (kernel != null) {
            System.out.flush();
            kernel.showPng(png);
        }
        return image;
    }

    /**
     * The project's root directory (the one holding {@code treelora-djl} and the parent {@code pom.xml}), found by
     * walking up from the working directory: notebooks run from the notebook folder (Jupyter), the module
     * (tests) or the root (the launcher).
     *
     * @return the absolute root
     * @throws IllegalStateException if no parent of the working directory is the project root
     */
    public static Path projectRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("treelora-djl")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no TreeLoRA project root (a folder with treelora-djl/ and pom.xml) above "
                + start);
    }
}
