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

    /** A picture's size in pixels. */
    public record Size(int width, int height) {

        /** Its longer side. */
        public int longest() {
            return Math.max(width, height);
        }

        @Override
        public String toString() {
            return width + "×" + height + " px";
        }
    }

    /**
     * The size a picture's header claims (PNG's IHDR, GIF's screen descriptor, JPEG's start-of-frame, WebP's VP8,
     * VP8L or VP8X header), without decoding it; empty when the header does not say or is cut short.
     */
    public static Optional<Size> size(byte[] data) {
        String type = of(data).orElse("");
        return switch (type) {
            case "image/png" -> data.length >= 24 ? Optional.of(new Size(int32(data, 16), int32(data, 20)))
                    : Optional.empty();
            case "image/gif" -> data.length >= 10 ? Optional.of(new Size(u16le(data, 6), u16le(data, 8)))
                    : Optional.empty();
            case "image/jpeg" -> jpegSize(data);
            case "image/webp" -> webpSize(data);
            default -> Optional.empty();
        };
    }

    private static Optional<Size> jpegSize(byte[] data) {
        int at = 2;
        while (at + 9 < data.length) {
            if ((data[at] & 0xFF) != 0xFF) {
                return Optional.empty();
            }
            int marker = data[at + 1] & 0xFF;
            if (marker == 0xFF) {
                at++;   // fill byte
                continue;
            }
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
                    && marker != 0xCC;
            if (startOfFrame) {
                return Optional.of(new Size(u16be(data, at + 7), u16be(data, at + 5)));
            }
            at += 2 + u16be(data, at + 2);
        }
        return Optional.empty();
    }

    private static Optional<Size> webpSize(byte[] data) {
        if (data.length < 30) {
            return Optional.empty();
        }
        String chunk = new String(data, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        return switch (chunk) {
            case "VP8 " -> Optional.of(new Size(u16le(data, 26) & 0x3FFF, u16le(data, 28) & 0x3FFF));
            case "VP8L" -> {
                int bits = (data[21] & 0xFF) | (data[22] & 0xFF) << 8 | (data[23] & 0xFF) << 16 | (data[24] & 0xFF) << 24;
                yield Optional.of(new Size((bits & 0x3FFF) + 1, (bits >>> 14 & 0x3FFF) + 1));
            }
            case "VP8X" -> Optional.of(new Size(u24le(data, 24) + 1, u24le(data, 27) + 1));
            default -> Optional.empty();
        };
    }

    private static int int32(byte[] data, int at) {
        return (data[at] & 0xFF) << 24 | (data[at + 1] & 0xFF) << 16 | (data[at + 2] & 0xFF) << 8 | data[at + 3] & 0xFF;
    }

    private static int u16be(byte[] data, int at) {
        return (data[at] & 0xFF) << 8 | data[at + 1] & 0xFF;
    }

    private static int u16le(byte[] data, int at) {
        return data[at] & 0xFF | (data[at + 1] & 0xFF) << 8;
    }

    private static int u24le(byte[] data, int at) {
        return data[at] & 0xFF | (data[at + 1] & 0xFF) << 8 | (data[at + 2] & 0xFF) << 16;
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
