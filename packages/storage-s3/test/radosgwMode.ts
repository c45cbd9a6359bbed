import { radosgwInstalled } from "./support/radosgw.ts"

/**
 * Whether this run includes the radosgw suite: `HOARD_TEST_RADOSGW=1` requires
 * it (the run fails when Ceph is missing), `0` leaves it out, and by default it
 * runs when Ceph is installed (scripts/install-radosgw.sh).
 */
export const radosgwMode = (): { readonly run: boolean; readonly reason: string } => {
  const setting = process.env["HOARD_TEST_RADOSGW"]
  if (setting === "0") return { run: false, reason: "HOARD_TEST_RADOSGW=0" }
  if (setting === "1") return { run: true, reason: "HOARD_TEST_RADOSGW=1" }
  return radosgwInstalled()
    ? { run: true, reason: "radosgw is installed" }
    : { run: false, reason: "radosgw is not installed (packages/storage-s3/scripts/install-radosgw.sh)" }
}
