package io.jenkins.plugins.cd4ml.image.jib;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpCredentialsWindowTest {

    private static final String PROPERTY = JibServingImageBuilder.SEND_CREDENTIALS_OVER_HTTP;

    @AfterEach
    void clear() {
        System.clearProperty(PROPERTY);
    }

    @Test
    void aSecondBuildWaitsForTheFirstWindowAndNeverInheritsItsSetting() throws Exception {
        HttpCredentialsWindow first = HttpCredentialsWindow.open();
        assertThat(System.getProperty(PROPERTY)).isEqualTo("true");
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<String> seenBySecondBeforeOpening = new AtomicReference<>();
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> {
            started.countDown();
            try (HttpCredentialsWindow window = HttpCredentialsWindow.open()) {
                return String.valueOf(System.getProperty(PROPERTY));
            } finally {
                seenBySecondBeforeOpening.set(String.valueOf(System.getProperty(PROPERTY)));
            }
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200); // the second build is blocked in open() meanwhile
        assertThat(second).isNotDone();

        first.close();

        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("true");
        assertThat(seenBySecondBeforeOpening.get()).as("restored to unset after the second window").isEqualTo("null");
        assertThat(System.getProperty(PROPERTY)).isNull();
    }

    @Test
    void closingFromAnotherThreadOrTwiceDoesNothingAndAnEarlierValueComesBack() throws Exception {
        System.setProperty(PROPERTY, "false");
        HttpCredentialsWindow window = HttpCredentialsWindow.open();

        CompletableFuture.runAsync(window::close).get(10, TimeUnit.SECONDS); // a later event on Jib's executor
        assertThat(System.getProperty(PROPERTY)).isEqualTo("true");

        window.close();
        window.close();
        assertThat(System.getProperty(PROPERTY)).isEqualTo("false");
        try (HttpCredentialsWindow next = HttpCredentialsWindow.open()) {
            assertThat(System.getProperty(PROPERTY)).isEqualTo("true");
        }
        assertThat(System.getProperty(PROPERTY)).isEqualTo("false");
    }
}
