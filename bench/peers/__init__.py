"""Applications that Elenchos is compared with, built from their public packages."""
