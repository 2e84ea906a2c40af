package io.github.treelora.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed save never damages the previous file and leaves no temporary file behind. */
class SafetensorsAtomicWriteTest {
    @TempDir
    Path dir;

    private Path target;
    private byte[] original;

    @BeforeEach
    void writeOriginal() throws IOException {
        target = dir.resolve("state.safetensors");
        new SafetensorsWriter().putFloats("v", new long[] {3}, new float[] {1, 2, 3})
                .putMetadata("version", "1").write(target);
        original = Files.readAllBytes(target);
    }

    private List<Path> directoryListing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** A writer whose large second tensor fails after streaming {@code bytesBeforeFailure} bytes. */
    private SafetensorsWriter failingWriter(int bytesBeforeFailure, RuntimeException unchecked) {
        return new SafetensorsWriter()
                .putFloats("v", new long[] {3}, new float[] {7, 8, 9})
                .put("big", SafetensorsDType.U8, new long[] {1 << 20}, out -> {
                    out.write(ByteBuffer.allocate(bytesBeforeFailure));
                    if (unchecked != null) {
                        throw unchecked;
                    }
                    throw new IOException("simulated disk failure");
                });
    }

    @Test
    void ioFailureMidwayKeepsThePreviousFile() throws IOException {
        IOException e = assertThrows(IOException.class, () -> failingWriter(4096, null).write(target));
        assertEquals("simulated disk failure", e.getMessage());
        assertArrayEquals(original, Files.readAllBytes(target));
        assertEquals(List.of(target), directoryListing(), "no temporary file left");
        try (SafetensorsFile sf = SafetensorsFile.open(target)) {
            assertArrayEquals(new float[] {1, 2, 3}, sf.readFloats("v"));
        }
    }

    @Test
    void uncheckedFailureMidwayKeepsThePreviousFile() throws IOException {
        IllegalStateException boom = new IllegalStateException("boom");
        RuntimeException e = assertThrows(RuntimeException.class, () -> failingWriter(100, boom).write(target));
        assertSame(boom, e);
        assertArrayEquals(original, Files.readAllBytes(target));
        assertEquals(List.of(target), directoryListing());
    }

    @Test
    void failureWithoutAPreviousFileCreatesNothing() throws IOException {
        Path fresh = dir.resolve("fresh.safetensors");
        assertThrows(IOException.class, () -> failingWriter(10, null).write(fresh));
        assertFalse(Files.exists(fresh));
        assertEquals(List.of(target), directoryListing());
    }

    @Test
    void sourceWritingTooFewOrTooManyBytesIsRejected() throws IOException {
        SafetensorsWriter tooFew = new SafetensorsWriter().put("short", SafetensorsDType.F32,
                new long[] {4}, out -> out.write(ByteBuffer.allocate(12)));
        SafetensorsException few = assertThrows(SafetensorsException.class, () -> tooFew.write(target));
        assertTrue(few.getMessage().contains("'short'") && few.getMessage().contains("wrote 12 bytes, expected 16"),
                few.getMessage());

        SafetensorsWriter tooMany = new SafetensorsWriter().put("long", SafetensorsDType.F32,
                new long[] {1}, out -> out.write(ByteBuffer.allocate(8)));
        SafetensorsException many = assertThrows(SafetensorsException.class, () -> tooMany.write(target));
        assertTrue(many.getMessage().contains("'long'") && many.getMessage().contains("more than the 4 bytes"),
                many.getMessage());

        assertArrayEquals(original, Files.readAllBytes(target));
        assertEquals(List.of(target), directoryListing());
    }

    @Test
    void successfulWriteReplacesTheFileAndLeavesNothingElse() throws IOException {
        new SafetensorsWriter().putDoubles("d", new long[] {1}, new double[] {4.5})
                .putMetadata("version", "2").write(target);
        assertEquals(List.of(target), directoryListing());
        try (SafetensorsFile sf = SafetensorsFile.open(target)) {
            assertEquals(List.of("d"), sf.names());
            assertEquals("2", sf.metadata().get("version"));
            assertArrayEquals(new double[] {4.5}, sf.readDoubles("d"));
        }
    }

    @Test
    void readerOpenDuringReplacementKeepsSeeingTheOldContent() throws IOException {
        try (SafetensorsFile before = SafetensorsFile.open(target)) {
            new SafetensorsWriter().putFloats("v", new long[] {3}, new float[] {-1, -2, -3}).write(target);
            // The rename swapped directory entries; the open file is the old inode.
            assertArrayEquals(new float[] {1, 2, 3}, before.readFloats("v"));
        }
        try (SafetensorsFile after = SafetensorsFile.open(target)) {
            assertArrayEquals(new float[] {-1, -2, -3}, after.readFloats("v"));
        }
    }

    @Test
    void missingDirectoryFailsCleanly() {
        Path nowhere = dir.resolve("no/such/dir/x.safetensors");
        assertThrows(NoSuchFileException.class,
                () -> new SafetensorsWriter().putFloats("v", new long[] {1}, new float[1]).write(nowhere));
    }
}
