# The attestation tier (`make test-attest`): the VMM's TPM and its runtime
# measurement log under QEMU + OVMF + swtpm, with FIFO (TIS), with CRB and
# with no TPM (tests/attest/t_attest.py, docs/tpm.md). Its keys and config
# are made at test time.

.PHONY: test-attest
test-attest: $(TEST_ESP)/.stamp $(VIGILCTL) ## the VMM's TPM: boot PCRs, runtime log and PCR 11, TIS, CRB, none
	@python3 tests/integration/vigiltest.py run tests/attest/t_attest.py
