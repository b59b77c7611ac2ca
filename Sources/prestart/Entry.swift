import ArgumentParser
import PrestartCore

@main
enum Entry {
    static func main() async {
        // Before anything else: no thread may exist yet that could receive a terminating signal.
        SignalRelay.install()
        await Prestart.main()
    }
}
