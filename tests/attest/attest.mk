# The attestation tier (`make test-attest`): the VMM's TPM and its runtime
# measurement log under QEMU + OVMF + swtpm, with FIFO (TIS), with CRB and
# with no TPM (tests/attest/t_attest.py, docs/tpm.md), and a short soak
# (tests/attest/soak.py). Their keys and config are made at test time.

.PHONY: test-attest
test-attest: $(TEST_ESP)/.stamp $(VIGILCTL) ## the VMM's TPM: boot PCRs, runtime log and PCR 11, TIS, CRB, none
	@SOAK_ROUNDS=6 python3 tests/integration/vigiltest.py run tests/attest/t_attest.py tests/attest/soak.py

# The soak (tests/attest/soak.py): 1,250 rounds, 10,000 requests; not part
# of `make test` (it runs for tens of minutes). SOAK_ROUNDS=N for another length.
.PHONY: soak
soak: $(TEST_ESP)/.stamp $(VIGILCTL) ## 10,000 signed bundles and refusals to a running Vigil, checked against the TPM (not in make test)
	@SOAK_ROUNDS=$${SOAK_ROUNDS:-1250} python3 tests/integration/vigiltest.py run tests/attest/soak.py
