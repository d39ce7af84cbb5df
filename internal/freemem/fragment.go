package freemem

/*
#include <stdlib.h>
#include <string.h>

// fragment leaves n*size bytes of the C heap freed and touched beneath one
// block still in use, the way a closed window's buffers lie beneath what
// the process allocated after them: free alone cannot give them back. It
// returns the block still held, for unfragment.
static void *fragment(int n, int size) {
	void **blocks = malloc(n * sizeof(void *));
	if (blocks == NULL) return NULL;
	for (int i = 0; i < n; i++) {
		blocks[i] = malloc(size);
		if (blocks[i] != NULL) memset(blocks[i], 1, size);
	}
	void *last = blocks[n - 1];
	for (int i = 0; i < n - 1; i++) free(blocks[i]);
	free(blocks);
	return last;
}
*/
import "C"

import "unsafe"

// fragment and unfragment are for the package's test, which cannot use cgo
// itself: they leave n blocks of size bytes freed but held by the C heap.
func fragment(n, size int) unsafe.Pointer { return C.fragment(C.int(n), C.int(size)) }

func unfragment(p unsafe.Pointer) { C.free(p) }
