# The channel tier (`make test-channel`): one boot of Vigil with its
# management channel on a unix socket, driven by vigilctl and raw frames
# (tests/channel/t_channel.py). Its keys and config are made at test time.

.PHONY: test-channel
test-channel: $(TEST_ESP)/.stamp $(VIGILCTL) ## management channel end to end: queries, live patch, every refusal
	@python3 tests/integration/vigiltest.py run tests/channel/t_channel.py
