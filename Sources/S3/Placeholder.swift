enum S3Placeholder {}
