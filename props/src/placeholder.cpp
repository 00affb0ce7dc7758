namespace trimcheck::props {}
