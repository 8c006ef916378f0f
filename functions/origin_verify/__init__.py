"""The citizen API's authorizer: lets in only what CloudFront forwarded."""
