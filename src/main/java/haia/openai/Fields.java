package haia.openai;

import java.util.Optional;
import java.util.OptionalDouble;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading single request fields, each failure a 400 naming the field. */
final class Fields {

    private Fields() {
    }

    static Optional<String> optionalString(JsonNode parent, String field, String param) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new InvalidRequestException(param + " must be a string", param);
        }
        return Optional.of(checkedText(node.textValue(), param));
    }

    static String requiredString(JsonNode parent, String field, String param) {
        return optionalString(parent, field, param).orElseThrow(() -> new InvalidRequestException(
                param + " is required", param));
    }

    static OptionalDouble optionalNumber(JsonNode root, String field, double min, double max) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return OptionalDouble.empty();
        }
        if (!node.isNumber()) {
            throw new InvalidRequestException(field + " must be a number", field);
        }
        double value = node.doubleValue();
        if (!Double.isFinite(value) || value < min || value > max) {
            throw new InvalidRequestException(field + " must be between " + format(min) + " and " + format(max)
                    + ", got " + node.asText(), field);
        }
        return OptionalDouble.of(value);
    }

    static Optional<Boolean> optionalBoolean(JsonNode parent, String field, String param) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isBoolean()) {
            throw new InvalidRequestException(param + " must be true or false", param);
        }
        return Optional.of(node.booleanValue());
    }

    static JsonNode object(JsonNode node, String param, String what) {
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException(param + " must be " + what, param);
        }
        return node;
    }

    /** Strings must be valid Unicode: an unpaired surrogate cannot be stored byte-exactly, so it is refused. */
    static String checkedText(String value, String at) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw new InvalidRequestException(at + " contains invalid Unicode (an unpaired surrogate \\u"
                        + Integer.toHexString(c) + ")", at);
            }
            if (Character.isLowSurrogate(c)) {
                throw new InvalidRequestException(at + " contains invalid Unicode (an unpaired surrogate \\u"
                        + Integer.toHexString(c) + ")", at);
            }
        }
        return value;
    }

    static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    static String abbreviate(String value) {
        return value.length() <= 200 ? value : value.substring(0, 200) + "…";
    }
}
