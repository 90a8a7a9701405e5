package io.jenkins.plugins.cd4ml.tune;

import java.math.BigDecimal;

/** Writes suggested values as the training script receives hyperparameters: text, as SageMaker does. */
final class ParameterText {

    private ParameterText() {
    }

    static String ofInt(long value) {
        return Long.toString(value);
    }

    /** The shortest text that reads back as the same double, without an exponent. */
    static String ofFloat(double value) {
        String plain = BigDecimal.valueOf(value).toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }
}
