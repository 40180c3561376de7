# The attestation tier (`make test-attest`): the VMM's TPM commands for
# marks in NV against swtpm alone (tests/attest/t_tpm2_policy.py); the VMM's
# TPM and its runtime measurement log under QEMU + OVMF + swtpm, with FIFO
# (TIS), with CRB and with no TPM (tests/attest/t_attest.py, docs/tpm.md);
# the anti-rollback marks in NV across reboots (tests/attest/t_marks.py);
# and a short soak (tests/attest/soak.py). Their keys and config are made at
# test time.

# drivers/tpm2.c on the host, its transport swtpm's TCP server port
# (tests/attest/tpm2_swtpm.c); built as vigilctl is.
TPM2_SWTPM := $(B)/attest/tpm2_swtpm
TPM2_SWTPM_OBJS := $(patsubst %.c,$(B)/tools/obj/%.o,tests/attest/tpm2_swtpm.c drivers/tpm2.c kernel/crypto/hash.c)
$(TPM2_SWTPM): $(TPM2_SWTPM_OBJS)
	@mkdir -p $(@D)
	@echo "  HOSTLD  $@"
	@$(HOSTCC) -o $@ $^ -lmbedcrypto
-include $(TPM2_SWTPM_OBJS:.o=.d)

.PHONY: test-attest
test-attest: $(TEST_ESP)/.stamp $(VIGILCTL) $(TPM2_SWTPM) ## NV marks' TPM commands on swtpm; the VMM's TPM: boot PCRs, runtime log and PCR 11, TIS, CRB, none; anti-rollback marks across reboots
	@SOAK_ROUNDS=6 python3 tests/integration/vigiltest.py run tests/attest/t_tpm2_policy.py \
		tests/attest/t_attest.py tests/attest/t_marks.py tests/attest/soak.py

# The soak (tests/attest/soak.py): 1,250 rounds, 10,000 requests; not part
# of `make test` (it runs for tens of minutes). SOAK_ROUNDS=N for another length.
.PHONY: soak
soak: $(TEST_ESP)/.stamp $(VIGILCTL) ## 10,000 signed bundles and refusals to a running Vigil, checked against the TPM (not in make test)
	@SOAK_ROUNDS=$${SOAK_ROUNDS:-1250} python3 tests/integration/vigiltest.py run tests/attest/soak.py
