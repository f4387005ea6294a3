package s3io

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Delete removes the object uri. Deleting an object that does not exist succeeds (S3 semantics),
// so a caller can clear a stale result before producing a new one.
func (c *Client) Delete(ctx context.Context, u string) error {
	bucket, key, err := ParseURI(u)
	if err != nil {
		return err
	}
	if _, err := c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		return c.fail("delete", u, err)
	}
	return nil
}
