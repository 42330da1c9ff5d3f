import nock from "nock";
import { afterEach } from "vitest";

// No test reaches the internet: only loopback servers started by the tests themselves.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);

afterEach(() => {
  nock.cleanAll();
});
