import { useState } from "preact/hooks"

/** Cursor paging: the cursors of the pages seen so far, so "Previous" goes back. */
export const useCursors = () => {
  const [cursors, setCursors] = useState<ReadonlyArray<string | undefined>>([undefined])
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length,
    next: (cursor: string) => setCursors([...cursors, cursor]),
    previous: () => setCursors(cursors.slice(0, -1)),
    reset: () => setCursors([undefined])
  }
}

export type Cursors = ReturnType<typeof useCursors>

export const Pager = ({ cursors, nextCursor }: { cursors: Cursors; nextCursor: string | null }) => (
  <div class="pager">
    <button type="button" disabled={cursors.page === 1} onClick={cursors.previous}>Previous</button>
    <span data-testid="page-number">Page {cursors.page}</span>
    <button type="button" disabled={nextCursor === null} onClick={() => nextCursor !== null && cursors.next(nextCursor)}>
      Next
    </button>
  </div>
)

export const pageSizes = [5, 25, 100] as const
