package haia.llm;

import java.util.Optional;

/**
 * The picture formats every provider takes (Anthropic's list: JPEG, PNG, GIF, WebP), recognised by their bytes. A
 * declared media type can be wrong (a browser's guess, a renamed file), and Anthropic refuses an image whose bytes
 * do not match the type it was sent with: the bytes decide.
 */
public final class ImageFormats {

    private ImageFormats() {
    }

    /** The media type of an image by its first bytes, when it is one of the four formats. */
    public static Optional<String> of(byte[] data) {
        if (starts(data, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of("image/png");
        }
        if (starts(data, 0xFF, 0xD8, 0xFF)) {
            return Optional.of("image/jpeg");
        }
        if (starts(data, 'G', 'I', 'F', '8')) {
            return Optional.of("image/gif");
        }
        if (starts(data, 'R', 'I', 'F', 'F') && data.length >= 12 && data[8] == 'W' && data[9] == 'E' && data[10] == 'B'
                && data[11] == 'P') {
            return Optional.of("image/webp");
        }
        return Optional.empty();
    }

    private static boolean starts(byte[] data, int... prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((data[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
