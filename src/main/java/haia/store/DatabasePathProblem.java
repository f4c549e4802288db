package haia.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Why HAIA cannot create or write its database file, said with the fix: the few ways a database path goes wrong on
 * a homelab host (a folder owned by someone else, often a rootless Podman volume; a read-only mount; a folder where
 * the file should be) each get their own sentence.
 */
final class DatabasePathProblem {

    private static final String SETTING = "HAIA_DB_PATH";

    private DatabasePathProblem() {
    }

    /** A problem found before touching anything: the path is a folder, or the file or its folder is not writable. */
    static Optional<String> check(Path file) {
        if (Files.isDirectory(file)) {
            return Optional.of(file + " is a folder; " + SETTING + " names the database file itself, e.g. "
                                       + file.resolve("haia.db"));
        }
        Path dir = file.getParent();
        if (Files.exists(file) && !Files.isWritable(file)) {
            return Optional.of(permission(file, file));
        }
        if (dir != null && Files.isDirectory(dir) && !Files.isWritable(dir)) {
            return Optional.of(permission(file, dir));
        }
        return Optional.empty();
    }

    /** What a failure to create the file or its folder means. */
    static String explain(Path file, IOException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (e instanceof AccessDeniedException denied) {
            return permission(file, Path.of(denied.getFile()));
        }
        if (message.contains("Read-only file system")) {
            return "cannot create the database " + file + ": the file system is read-only. Mount a writable volume"
                    + " there (podman run -v haia-data:/data ...) or set " + SETTING + " to a writable place";
        }
        if (e instanceof FileAlreadyExistsException || e instanceof NotDirectoryException
                || e instanceof FileSystemException fs && message.contains("Not a directory")) {
            return "cannot create the database " + file + ": " + firstFileOnThePath(file)
                    + " is a file where a folder should be; set " + SETTING + " to a path under a folder";
        }
        return "cannot create the database " + file + ": " + e.getClass().getSimpleName()
                + (message.isEmpty() ? "" : " (" + message + ")") + "; set " + SETTING + " to a writable place";
    }

    private static String permission(Path file, Path denied) {
        String user = System.getProperty("user.name", "?");
        String owner;
        try {
            owner = Files.getOwner(Files.exists(denied) ? denied : denied.getParent()).getName();
        } catch (IOException | RuntimeException unknown) {
            owner = "another user";
        }
        return "cannot write the database " + file + ": permission denied on " + denied + " (HAIA runs as " + user
                + ", it belongs to " + owner + "). Give it to HAIA's user (chown), or set " + SETTING
                + " to a writable place. Rootless Podman: mount the folder with :U (-v ./data:/data:U) so Podman"
                + " maps it to the container's user";
    }

    /** The first path component that exists as a file, where a folder was needed. */
    private static Path firstFileOnThePath(Path file) {
        Path prefix = file.getRoot();
        for (Path part : file) {
            prefix = prefix == null ? part : prefix.resolve(part);
            if (Files.isRegularFile(prefix) && !prefix.equals(file)) {
                return prefix;
            }
        }
        return file.getParent() == null ? file : file.getParent();
    }
}
