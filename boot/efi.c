/* SPDX-License-Identifier: MIT */
/*
 * The only file of the stub that speaks UEFI (gnu-efi headers, built with
 * GNU_EFI_USE_MS_ABI so firmware calls are plain calls). It implements the
 * boot_* functions of boot/boot.h and the firmware entry point.
 *
 * gnu-efi's libefi.a is deliberately not linked: its memset/memcpy would
 * clash with kernel/lib/string.c, and the dozen services used here are
 * simpler to call directly than through its wrappers.
 */
#include <efi.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/memmap.h"

static EFI_HANDLE image_handle;
static EFI_SYSTEM_TABLE *st;
static EFI_BOOT_SERVICES *bs;

void boot_puts(const char *s)
{
	CHAR16 buf[128];
	unsigned n = 0;

	/* ConOut takes UCS-2 and wants CR LF; convert in small chunks. */
	for (; *s; s++) {
		if (*s == '\n')
			buf[n++] = L'\r';
		buf[n++] = (CHAR16)(unsigned char)*s;
		if (n >= 126 || !s[1]) {
			buf[n] = 0;
			st->ConOut->OutputString(st->ConOut, buf);
			n = 0;
		}
	}
}

/* ---- memory ---------------------------------------------------------- */

static UINTN pages_of(size_t bytes)
{
	return (bytes + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE;
}

int boot_pages_alloc(size_t bytes, uint64_t align, uint64_t below, void **out)
{
	UINTN pages = pages_of(bytes), extra = pages_of(align) - 1;
	EFI_PHYSICAL_ADDRESS a = below ? below - 1 : 0, aligned;
	EFI_ALLOCATE_TYPE how = below ? AllocateMaxAddress : AllocateAnyPages;

	/* AllocatePages has no alignment argument: over-allocate, then give
	 * back the slack on both sides. */
	if (bs->AllocatePages(how, EfiLoaderData, pages + extra, &a) != EFI_SUCCESS)
		return -ENOMEM;
	aligned = (a + align - 1) & ~(align - 1);
	if (aligned > a)
		bs->FreePages(a, (aligned - a) / EFI_PAGE_SIZE);
	if (a + (pages + extra) * EFI_PAGE_SIZE > aligned + pages * EFI_PAGE_SIZE)
		bs->FreePages(aligned + pages * EFI_PAGE_SIZE,
			      (a + (pages + extra) * EFI_PAGE_SIZE - aligned) / EFI_PAGE_SIZE -
				      pages);
	*out = (void *)(uintptr_t)aligned;
	return 0;
}

void boot_pages_free(void *p, size_t bytes)
{
	if (p)
		bs->FreePages((EFI_PHYSICAL_ADDRESS)(uintptr_t)p, pages_of(bytes));
}

/* mbedtls's allocator (include/libc/stdlib.h): zeroed, 16-byte aligned.
 * AllocatePool only promises 8, so each block carries its pool pointer in
 * the 16 bytes before the address handed out. */
void *calloc(size_t n, size_t size)
{
	uintptr_t user;
	size_t bytes;
	void *pool;

	if (__builtin_mul_overflow(n, size, &bytes) || bytes > SIZE_MAX - 32)
		return NULL;
	if (bs->AllocatePool(EfiLoaderData, bytes + 32, &pool) != EFI_SUCCESS)
		return NULL;
	user = ((uintptr_t)pool + 16 + 15) & ~(uintptr_t)15;
	((void **)user)[-1] = pool;
	memset((void *)user, 0, bytes);
	return (void *)user;
}

void free(void *p)
{
	if (p)
		bs->FreePool(((void **)p)[-1]);
}

/* ---- files ----------------------------------------------------------- */

static int root_open(EFI_FILE_HANDLE *root)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;

	/* The volume the stub itself came from: the ESP it was booted off. */
	if (bs->HandleProtocol(image_handle, &li_guid, (void **)&li) != EFI_SUCCESS ||
	    bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs) != EFI_SUCCESS ||
	    fs->OpenVolume(fs, root) != EFI_SUCCESS)
		return -EIO;
	return 0;
}

static int file_size(EFI_FILE_HANDLE f, size_t *len)
{
	EFI_GUID info_guid = EFI_FILE_INFO_ID;
	union {
		EFI_FILE_INFO info;
		uint8_t raw[sizeof(EFI_FILE_INFO) + 512];
	} u;
	UINTN n = sizeof(u);

	if (f->GetInfo(f, &info_guid, &n, &u) != EFI_SUCCESS)
		return -EIO;
	if (u.info.Attribute & EFI_FILE_DIRECTORY)
		return -ENOENT;
	if (u.info.FileSize > BOOT_FILE_MAX)
		return -E2BIG;
	*len = u.info.FileSize;
	return 0;
}

static int file_read_all(EFI_FILE_HANDLE f, uint8_t *buf, size_t len)
{
	size_t done = 0;
	UINTN n;

	/* Read may return short counts: loop until the size GetInfo gave. */
	while (done < len) {
		n = len - done;
		if (f->Read(f, &n, buf + done) != EFI_SUCCESS || n == 0)
			return -EIO;
		done += n;
	}
	return 0;
}

static int path_to_efi(const char *path, CHAR16 *out, size_t max)
{
	size_t i;

	for (i = 0; path[i]; i++) {
		if (i + 1 >= max)
			return -E2BIG;
		out[i] = path[i] == '/' ? L'\\' : (CHAR16)(unsigned char)path[i];
	}
	out[i] = 0;
	return 0;
}

int boot_file_read(const char *path, void **buf, size_t *len)
{
	EFI_FILE_HANDLE root, f;
	CHAR16 name[HANDOFF_NAME_LEN + 8];
	void *p = NULL;
	EFI_STATUS s;
	int err;

	err = path_to_efi(path, name, sizeof(name) / sizeof(name[0]));
	if (err)
		return err;
	err = root_open(&root);
	if (err)
		return err;
	s = root->Open(root, &f, name, EFI_FILE_MODE_READ, 0);
	if (s != EFI_SUCCESS) {
		err = s == EFI_NOT_FOUND ? -ENOENT : -EIO;
		goto out_root;
	}
	err = file_size(f, len);
	if (err)
		goto out_file;
	err = boot_pages_alloc(*len ? *len : 1, EFI_PAGE_SIZE, 0, &p);
	if (err)
		goto out_file;
	memset(p, 0, pages_of(*len ? *len : 1) * EFI_PAGE_SIZE);
	err = file_read_all(f, p, *len);
	if (err)
		boot_pages_free(p, *len ? *len : 1);
	else
		*buf = p;
out_file:
	f->Close(f);
out_root:
	root->Close(root);
	return err;
}

int boot_dir_list(const char *path, void (*each)(const char *name, void *ctx), void *ctx)
{
	EFI_FILE_HANDLE root, d;
	CHAR16 name[HANDOFF_NAME_LEN + 8];
	union {
		EFI_FILE_INFO info;
		uint8_t raw[sizeof(EFI_FILE_INFO) + 512];
	} u;
	EFI_STATUS s;
	int err = path_to_efi(path, name, sizeof(name) / sizeof(name[0]));

	if (err)
		return err;
	err = root_open(&root);
	if (err)
		return err;
	s = root->Open(root, &d, name, EFI_FILE_MODE_READ, 0);
	if (s != EFI_SUCCESS) {
		root->Close(root);
		return s == EFI_NOT_FOUND ? -ENOENT : -EIO;
	}
	for (;;) {
		UINTN n = sizeof(u);
		char ascii[HANDOFF_NAME_LEN];
		size_t i;

		if (d->Read(d, &n, &u) != EFI_SUCCESS) {
			err = -EIO;
			break;
		}
		if (!n) /* the end of the directory */
			break;
		if (u.info.Attribute & EFI_FILE_DIRECTORY)
			continue;
		/* Plain printable ASCII names only, shorter than a handoff name. */
		for (i = 0; i + 1 < sizeof(ascii) && u.info.FileName[i] >= 0x21 && u.info.FileName[i] <= 0x7e; i++)
			ascii[i] = (char)u.info.FileName[i];
		ascii[i] = 0;
		if (u.info.FileName[i] == 0 && i)
			each(ascii, ctx);
	}
	d->Close(d);
	root->Close(root);
	return err;
}

/* ---- firmware state ------------------------------------------------ */

int boot_secure_boot(void)
{
	EFI_GUID global = EFI_GLOBAL_VARIABLE;
	UINT8 on = 0;
	UINTN n = sizeof(on);

	if (st->RuntimeServices->GetVariable(L"SecureBoot", &global, NULL, &n, &on) !=
	    EFI_SUCCESS)
		return 0;
	return n == 1 && on == 1;
}

static int checksum_ok(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *p++;
	return sum == 0;
}

uint64_t boot_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	UINTN i;

	for (i = 0; i < st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
		const uint8_t *r = t->VendorTable;

		if (memcmp(&t->VendorGuid, &acpi20, sizeof(acpi20)) != 0)
			continue;
		/* "RSD PTR ", revision >= 2, both checksums (20 and 36 bytes). */
		if (memcmp(r, "RSD PTR ", 8) == 0 && r[15] >= 2 && checksum_ok(r, 20) &&
		    checksum_ok(r, 36))
			return (uint64_t)(uintptr_t)r;
	}
	return 0;
}

/* ---- TPM 2.0 (TCG EFI Protocol Specification, EFI_TCG2_PROTOCOL) ----- */

#define TCG2_PROTOCOL_GUID \
	{ 0x607f766c, 0x7455, 0x42be, { 0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f } }
#define TCG2_EVENT_HEADER_VERSION 1
#define EV_EVENT_TAG 6

struct tcg2_version {
	UINT8 major;
	UINT8 minor;
};

/* Natural alignment, unlike the event structures: the specification
 * declares this one without packing, and firmware fills it that way. */
struct tcg2_capability {
	UINT8 size;
	struct tcg2_version structure_version;
	struct tcg2_version protocol_version;
	UINT32 hash_algorithm_bitmap;
	UINT32 supported_event_logs;
	BOOLEAN tpm_present;
	UINT16 max_command_size;
	UINT16 max_response_size;
	UINT32 manufacturer_id;
	UINT32 number_of_pcr_banks;
	UINT32 active_pcr_banks;
};

struct tcg2_event_header {
	UINT32 header_size;
	UINT16 header_version;
	UINT32 pcr_index;
	UINT32 event_type;
} __attribute__((packed));

struct tcg2_event {
	UINT32 size;
	struct tcg2_event_header header;
	/* TCG_PCClientTaggedEvent: the event data of an EV_EVENT_TAG */
	UINT32 tag_id;
	UINT32 tag_data_size;
	UINT8 tag_data[HANDOFF_NAME_LEN];
} __attribute__((packed));

struct tcg2_protocol {
	EFI_STATUS(EFIAPI *get_capability)(struct tcg2_protocol *, struct tcg2_capability *);
	EFI_STATUS(EFIAPI *get_event_log)(struct tcg2_protocol *, UINT32 format,
					  EFI_PHYSICAL_ADDRESS *location, EFI_PHYSICAL_ADDRESS *last_entry,
					  BOOLEAN *truncated);
	EFI_STATUS(EFIAPI *hash_log_extend_event)(struct tcg2_protocol *, UINT64 flags,
						  EFI_PHYSICAL_ADDRESS data, UINT64 len,
						  struct tcg2_event *event);
	/* SubmitCommand and the PCR bank calls follow; unused. */
};

static struct tcg2_protocol *tcg2(void)
{
	EFI_GUID guid = TCG2_PROTOCOL_GUID;
	struct tcg2_capability cap = { .size = sizeof(cap) };
	struct tcg2_protocol *p;

	if (bs->LocateProtocol(&guid, NULL, (void **)&p) != EFI_SUCCESS)
		return NULL;
	/* The protocol can exist without a TPM behind it (TPMPresentFlag). */
	if (p->get_capability(p, &cap) != EFI_SUCCESS || !cap.tpm_present)
		return NULL;
	return p;
}

int boot_tpm_present(void)
{
	return tcg2() != NULL;
}

int boot_tpm_extend(uint32_t pcr, const void *data, size_t len, uint32_t tag, const char *name)
{
	struct tcg2_protocol *p = tcg2();
	struct tcg2_event ev = { 0 };
	size_t n = strnlen(name, sizeof(ev.tag_data));

	if (!p)
		return -ENODEV;
	memcpy(ev.tag_data, name, n);
	ev.size = offsetof(struct tcg2_event, tag_data) + n;
	ev.header = (struct tcg2_event_header){
		.header_size = sizeof(ev.header), .header_version = TCG2_EVENT_HEADER_VERSION,
		.pcr_index = pcr, .event_type = EV_EVENT_TAG,
	};
	ev.tag_id = tag;
	ev.tag_data_size = n;
	if (p->hash_log_extend_event(p, 0, (EFI_PHYSICAL_ADDRESS)(uintptr_t)data, len, &ev) !=
	    EFI_SUCCESS)
		return -EIO;
	return 0;
}

#define TCG2_EVENT_LOG_FORMAT_TCG_2 2u
#define TCG2_FINAL_EVENTS_TABLE_GUID \
	{ 0x1e2ed096, 0x30e2, 0x4254, { 0xbd, 0x89, 0x86, 0x3b, 0xbe, 0xf8, 0x23, 0x25 } }

int boot_tpm_event_log(const uint8_t **log, size_t *last, int *truncated)
{
	struct tcg2_protocol *p = tcg2();
	EFI_PHYSICAL_ADDRESS at = 0, end = 0;
	BOOLEAN cut = 0;

	if (!p)
		return -ENODEV;
	if (p->get_event_log(p, TCG2_EVENT_LOG_FORMAT_TCG_2, &at, &end, &cut) != EFI_SUCCESS)
		return -EIO;
	if (!at || end < at)
		return -ENOENT;
	*log = (const uint8_t *)(uintptr_t)at;
	*last = end - at;
	*truncated = cut != 0;
	return 0;
}

const struct boot_final_events *boot_tpm_final_events(void)
{
	EFI_GUID guid = TCG2_FINAL_EVENTS_TABLE_GUID;

	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];

		if (memcmp(&t->VendorGuid, &guid, sizeof(guid)) == 0)
			return t->VendorTable;
	}
	return NULL;
}

/* ---- PCI bus mastering (UEFI specification, EFI_PCI_IO_PROTOCOL) ----- */

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MASTER 0x0004

/* A command register that cannot be read counts as mastering: the caller
 * then tries to turn it off. */
static int pci_io_master_on(EFI_PCI_IO_PROTOCOL *io)
{
	UINT16 cmd;

	if (io->Pci.Read(io, EfiPciIoWidthUint16, PCI_COMMAND, 1, &cmd) != EFI_SUCCESS)
		return 1;
	return (cmd & PCI_COMMAND_MASTER) != 0;
}

/* Through the bus driver, so that its record of the function's attributes
 * matches the hardware; should it refuse, straight into the command
 * register (16 bits: the status register above is write-1-to-clear). */
static void pci_io_master_off(EFI_PCI_IO_PROTOCOL *io)
{
	UINT16 cmd;

	if (io->Attributes(io, EfiPciIoAttributeOperationDisable, EFI_PCI_IO_ATTRIBUTE_BUS_MASTER,
			   NULL) == EFI_SUCCESS ||
	    io->Pci.Read(io, EfiPciIoWidthUint16, PCI_COMMAND, 1, &cmd) != EFI_SUCCESS)
		return;
	cmd &= ~PCI_COMMAND_MASTER;
	io->Pci.Write(io, EfiPciIoWidthUint16, PCI_COMMAND, 1, &cmd);
}

int boot_pci_bus_masters_off(struct pci_count *c)
{
	EFI_GUID guid = EFI_PCI_IO_PROTOCOL_GUID;
	EFI_HANDLE *handles;
	UINTN i, n = 0;
	EFI_STATUS s;

	*c = (struct pci_count){ 0 };
	s = bs->LocateHandleBuffer(ByProtocol, &guid, NULL, &n, &handles);
	if (s == EFI_NOT_FOUND)
		return 0; /* no PCI function at all */
	if (s != EFI_SUCCESS)
		return s == EFI_OUT_OF_RESOURCES ? -ENOMEM : -EIO;
	for (i = 0; i < n; i++) {
		EFI_PCI_IO_PROTOCOL *io;

		if (bs->HandleProtocol(handles[i], &guid, (void **)&io) != EFI_SUCCESS)
			continue;
		c->functions++;
		if (!pci_io_master_on(io))
			continue;
		pci_io_master_off(io);
		if (pci_io_master_on(io))
			c->kept++;
		else
			c->cleared++;
	}
	bs->FreePool(handles);
	return 0;
}

/* ---- memory map and exit --------------------------------------------- */

#define MAP_SLACK 16 /* descriptors the map may grow by between our calls */

struct map {
	uint8_t *buf;
	UINTN cap, size, key, desc_size;
	UINT32 desc_version;
};

static uint32_t mem_type(UINT32 efi)
{
	switch (efi) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiLoaderCode: /* the stub itself: dead once the VMM runs */
		return HANDOFF_MEM_USABLE;
	case EfiLoaderData: /* everything the stub allocated for the VMM */
		return HANDOFF_MEM_BOOT;
	case EfiACPIReclaimMemory:
		return HANDOFF_MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:
		return HANDOFF_MEM_ACPI_NVS;
	default:
		return HANDOFF_MEM_RESERVED;
	}
}

static int is_ram(UINT32 efi)
{
	return efi != EfiMemoryMappedIO && efi != EfiMemoryMappedIOPortSpace &&
	       efi != EfiReservedMemoryType && efi != EfiUnusableMemory;
}

static EFI_MEMORY_DESCRIPTOR *map_desc(const struct map *m, UINTN i)
{
	return (EFI_MEMORY_DESCRIPTOR *)(m->buf + i * m->desc_size);
}

/* Rebuild h->mem from the map; allocates nothing (runs after exit too). */
static int map_convert(const struct map *m, struct handoff *h, uint64_t *ram_top)
{
	UINTN i;
	int err;

	h->mem_count = 0;
	*ram_top = 0;
	for (i = 0; i < m->size / m->desc_size; i++) {
		EFI_MEMORY_DESCRIPTOR *d = map_desc(m, i);
		uint64_t size = d->NumberOfPages * EFI_PAGE_SIZE;

		if (d->NumberOfPages > (UINT64_MAX >> 12))
			return -EINVAL;
		err = memmap_add(h, d->PhysicalStart, size, mem_type(d->Type));
		if (err)
			return err;
		if (is_ram(d->Type) && d->PhysicalStart + size > *ram_top)
			*ram_top = d->PhysicalStart + size;
	}
	return 0;
}

/* GetMemoryMap into m->buf, (re)allocating it with slack while allowed. */
static int map_get(struct map *m, int may_alloc)
{
	EFI_STATUS s;

	for (;;) {
		m->size = m->cap;
		s = bs->GetMemoryMap(&m->size, (EFI_MEMORY_DESCRIPTOR *)m->buf, &m->key,
				     &m->desc_size, &m->desc_version);
		if (s == EFI_SUCCESS)
			return m->desc_size >= sizeof(EFI_MEMORY_DESCRIPTOR) ? 0 : -EIO;
		if (s != EFI_BUFFER_TOO_SMALL || !may_alloc)
			return -EIO;
		if (m->buf)
			bs->FreePool(m->buf);
		m->cap = m->size + MAP_SLACK * sizeof(EFI_MEMORY_DESCRIPTOR) * 2;
		if (bs->AllocatePool(EfiLoaderData, m->cap, (void **)&m->buf) != EFI_SUCCESS)
			return -ENOMEM;
	}
}

int boot_memmap_probe(struct handoff *h, uint64_t *ram_top)
{
	struct map m = { 0 };
	int err = map_get(&m, 1);

	if (!err)
		err = map_convert(&m, h, ram_top);
	if (m.buf)
		bs->FreePool(m.buf);
	return err;
}

int boot_exit(struct handoff *h)
{
	struct map m = { 0 };
	uint64_t top;
	int err, tries;

	err = map_get(&m, 1);
	/* ExitBootServices fails with EFI_INVALID_PARAMETER when the map
	 * changed since GetMemoryMap (an event fired); after that only these
	 * two calls are allowed, so retry into the buffer we already have. */
	for (tries = 0; !err; tries++) {
		EFI_STATUS s = bs->ExitBootServices(image_handle, m.key);

		if (s == EFI_SUCCESS)
			break;
		if (s != EFI_INVALID_PARAMETER || tries == 8)
			return -EIO;
		err = map_get(&m, 0);
	}
	if (err)
		return err;
	/* The firmware is gone: nobody to report to. boot_memmap_probe()
	 * converted a map of the same shape, so this cannot fail short of a
	 * firmware bug; stop here rather than run on a wrong map. */
	if (map_convert(&m, h, &top))
		for (;;)
			__asm__ volatile("cli; hlt");
	return 0;
}

/* ---- the crash page -------------------------------------------------- */

/* Vigil's own vendor GUID for its firmware variable. */
#define VIGIL_VARIABLE_GUID \
	{ 0x438f63d0, 0x00fe, 0x42f7, { 0xa0, 0x81, 0xab, 0x7b, 0x13, 0xd6, 0xde, 0xaa } }
#define CRASH_PAGE_BELOW 0x100000000ull
#define CRASH_PAGE_ABOVE 0x100000ull

static int crash_page_at(EFI_PHYSICAL_ADDRESS a)
{
	return a && !(a & (EFI_PAGE_SIZE - 1)) && a < CRASH_PAGE_BELOW &&
	       bs->AllocatePages(AllocateAddress, EfiLoaderData, 1, &a) == EFI_SUCCESS;
}

/*
 * A new page: the lowest free one above 1 MiB. The firmware allocates from
 * the top of memory down, and not the same way on every boot: on QEMU's
 * OVMF a page taken from the top by the first boot was the firmware's own
 * after a warm reset; a low one stays free (docs/vmm.md, "The crash record").
 */
static EFI_PHYSICAL_ADDRESS crash_page_lowest(void)
{
	struct map m = { 0 };
	EFI_PHYSICAL_ADDRESS best = 0;

	int err = map_get(&m, 1);

	for (UINTN i = 0; !err && i < m.size / m.desc_size; i++) {
		EFI_MEMORY_DESCRIPTOR *d = map_desc(&m, i);
		EFI_PHYSICAL_ADDRESS lo = d->PhysicalStart < CRASH_PAGE_ABOVE ? CRASH_PAGE_ABOVE : d->PhysicalStart;

		if (d->Type == EfiConventionalMemory && lo < d->PhysicalStart + d->NumberOfPages * EFI_PAGE_SIZE &&
		    lo < CRASH_PAGE_BELOW && (!best || lo < best))
			best = lo;
	}
	if (m.buf)
		bs->FreePool(m.buf);
	return crash_page_at(best) ? best : 0;
}

int boot_crash_page(uint64_t *pa, int *kept)
{
	EFI_GUID guid = VIGIL_VARIABLE_GUID;
	EFI_PHYSICAL_ADDRESS a = 0;
	UINTN n = sizeof(a);
	EFI_RUNTIME_SERVICES *rt = st->RuntimeServices;

	*kept = rt->GetVariable(L"VigilCrashPage", &guid, NULL, &n, &a) == EFI_SUCCESS &&
		n == sizeof(a) && crash_page_at(a);
	if (!*kept) {
		a = crash_page_lowest();
		if (!a)
			return -ENOMEM;
		/* Written only when the page moves, so the flash is not worn
		 * boot after boot. Without it, the record lasts this boot only. */
		if (rt->SetVariable(L"VigilCrashPage", &guid,
				    EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS, sizeof(a),
				    &a) != EFI_SUCCESS)
			*kept = -1;
	}
	*pa = a;
	return 0;
}

/* ---- entry ------------------------------------------------------------ */

/* gnu-efi's crt0 relocates the image, then calls this with the System V
 * convention (RDI, RSI): not EFIAPI, unlike the firmware services. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	int err;

	image_handle = image;
	st = systab;
	bs = systab->BootServices;
	/* The firmware's 5-minute watchdog must not fire mid-verification on
	 * a slow machine; nothing here waits on anything external. */
	bs->SetWatchdogTimer(0, 0, 0, NULL);
	err = stub_main();
	if (err == -EPERM || err == -EBADMSG || err == -EACCES)
		return EFI_SECURITY_VIOLATION;
	return err == -ENOENT ? EFI_NOT_FOUND : EFI_LOAD_ERROR;
}
