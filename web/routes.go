package web

import "github.com/labstack/echo/v4"

// Routes adds a door's routes to the app, each with the door's first
// middleware (its error pages) outermost. Middleware goes on each route,
// not on a group: a group's middleware makes Echo add catch-all routes,
// which would answer every unknown path of the API with a page.
type Routes struct {
	E     *echo.Echo
	First echo.MiddlewareFunc
}

// GET adds a GET route.
func (r Routes) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.E.GET(path, h, append([]echo.MiddlewareFunc{r.First}, m...)...)
}

// POST adds a POST route.
func (r Routes) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.E.POST(path, h, append([]echo.MiddlewareFunc{r.First}, m...)...)
}
