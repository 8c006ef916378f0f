"""The staff side: who staff are, what each role may do, and the request workflow they drive."""
