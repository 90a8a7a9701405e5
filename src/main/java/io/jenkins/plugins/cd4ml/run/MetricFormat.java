package io.jenkins.plugins.cd4ml.run;

import java.math.BigDecimal;
import java.math.MathContext;

/** Formats metric values for people: four significant digits, no exponent for everyday sizes. */
public final class MetricFormat {

    private MetricFormat() {
    }

    public static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e9) {
            return String.valueOf((long) value);
        }
        return new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }
}
